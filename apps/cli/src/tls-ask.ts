import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { TlsAskOptions } from '@rockpool/caddy';
import { dataDirLayout } from '@rockpool/model/data-dir';

/** The data dir's ask token, created (0600) the first time; the control plane reads the same file. */
export async function ensureTlsAskToken(dataDir: string): Promise<string> {
  const file = dataDirLayout(dataDir).tlsAskToken;
  const current = await readFile(file, 'utf8').then(
    (text) => text.trim(),
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return '';
      throw error;
    },
  );
  if (/^[0-9a-f]{64}$/.test(current)) return current;
  // Missing or not one we wrote: a new one. The server reads the file at every ask, so it follows.
  const token = randomBytes(32).toString('hex');
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  return token;
}

/** A loopback TCP port free right now, for the edge's ask server. */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Where Caddy's on-demand ask goes (acme with a workspace domain): a loopback port chosen at each
 * render (the ask server and the URL Caddy asks are in the same config) and the data dir's token.
 */
export async function prepareTlsAsk(dataDir: string): Promise<TlsAskOptions> {
  return { listen: `127.0.0.1:${await freeLoopbackPort()}`, token: await ensureTlsAskToken(dataDir) };
}
