import { request } from 'node:http';

/** A request to the control plane on its unix socket. */
export interface SocketRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
}

/**
 * A request on the control plane's unix socket (0600: only this user reaches it, as Caddy does),
 * with the status and the JSON body whatever the status (undefined for an empty body, as a 204's).
 */
export function requestOnServerSocket(
  socketPath: string,
  { method = 'GET', path, headers = {}, body }: SocketRequest,
): Promise<{ status: number; body: unknown }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath,
        path,
        method,
        headers: payload === undefined ? headers : { ...headers, 'Content-Type': 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          try {
            resolve({ status: res.statusCode ?? 0, body: text === '' ? undefined : JSON.parse(text) });
          } catch {
            reject(
              new Error(
                `${method} ${path} answered ${res.statusCode} with a body that is not JSON: ${text.slice(0, 200)}`,
              ),
            );
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** GET on the control plane's unix socket, as nobody in particular (e.g. `/api/health`). */
export const getFromServerSocket = (socketPath: string, path: string) =>
  requestOnServerSocket(socketPath, { path });
