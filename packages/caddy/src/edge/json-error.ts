/** A JSON error body in the control plane's shape: `{error: {code, message}}`. */
export function jsonErrorBody(code: string, message: string, extra: Record<string, string> = {}): string {
  return JSON.stringify({ error: { code, message, ...extra } });
}
