import { readFile } from 'node:fs/promises';
import { TLS_ASK_PATH_PREFIX, WORKSPACE_DOMAIN_HEADER } from '@rockpool/caddy';
import { Hono } from 'hono';
import { decideWorkspaceCertificate, isTlsAskToken, type WorkspaceLookups } from '../tls-ask.js';

export interface TlsAskOptions {
  lookups: WorkspaceLookups;
  /** The token Caddy's ask URL carries (`rockpool up` writes it, 0600); missing: every ask is refused. */
  tokenFile: string;
}

const refuse = (code: string, message: string) => ({ error: { code, message } });

/** The file's token, or '' when there is none (no ask is then allowed). */
async function readToken(file: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

/**
 * `GET /internal/tls-ask/{token}?domain={host}`: Caddy's on-demand TLS ask, reached only through the
 * edge's loopback ask server (srv0 proxies /api and /app only). Not part of the API: no OpenAPI.
 * The token file is read on every ask, so `rockpool up` may write it after the server started.
 */
export function tlsAskRoutes(options: TlsAskOptions): Hono {
  const router = new Hono();
  router.get(`${TLS_ASK_PATH_PREFIX}:token`, async (c) => {
    if (!isTlsAskToken(c.req.param('token'), await readToken(options.tokenFile)))
      return c.json(refuse('invalid_ask_token', 'Unknown ask token.'), 403);
    const host = c.req.query('domain');
    if (!host) return c.json(refuse('invalid_request', 'The query parameter domain is required.'), 400);
    const decision = decideWorkspaceCertificate(host, c.req.header(WORKSPACE_DOMAIN_HEADER), options.lookups);
    if (!decision.allow) return c.json(refuse(decision.code, decision.message), decision.status);
    return c.json({ allow: true }, 200);
  });
  return router;
}
