import { request } from 'node:http';

/**
 * GET on the control plane's unix socket (0600: only this user reaches it, as Caddy does), with the
 * status and the JSON body whatever the status.
 */
export function getFromServerSocket(
  socketPath: string,
  path: string,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
        } catch {
          reject(
            new Error(
              `${path} answered ${res.statusCode} with a body that is not JSON: ${text.slice(0, 200)}`,
            ),
          );
        }
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
