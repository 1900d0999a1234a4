import { BASIC_AUTH_IDS, type BasicAccountInput, basicAccounts } from '../builders/basic-auth.js';
import { sameJson } from '../builders/workspace-table.js';
import type { AuthenticationHandler, HttpServer } from '../config/types.js';
import { type CaddyAdminClient, UNCHANGED } from './admin-client.js';

const IDS = new Set<string>(Object.values(BASIC_AUTH_IDS));

/** Every `http_basic` handler Rockpool tagged, wherever it sits in the servers (routes, subroutes). */
function basicHandlers(node: unknown, found: AuthenticationHandler[] = []): AuthenticationHandler[] {
  if (Array.isArray(node)) for (const item of node) basicHandlers(item, found);
  else if (node !== null && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if (typeof record['@id'] === 'string' && IDS.has(record['@id']) && record.handler === 'authentication')
      found.push(record as unknown as AuthenticationHandler);
    else for (const value of Object.values(record)) basicHandlers(value, found);
  }
  return found;
}

/**
 * A copy of `servers` whose tagged `http_basic` handlers hold exactly `accounts` (everything else
 * as it was), and how many handlers that is (none when the edge signs in with GitHub).
 */
export function withBasicAccounts(
  servers: Record<string, HttpServer>,
  accounts: BasicAccountInput[],
): { servers: Record<string, HttpServer>; handlers: number } {
  const wanted = basicAccounts(accounts);
  const copy = structuredClone(servers);
  const handlers = basicHandlers(copy);
  for (const handler of handlers)
    if (handler.providers.http_basic) handler.providers.http_basic.accounts = wanted;
  return { servers: copy, handlers: handlers.length };
}

export interface BasicAccountsResult {
  /** Whether Caddy's accounts changed (false: they were already these). */
  changed: boolean;
  /** The `http_basic` handlers found: 0 when the edge does not use basic auth. */
  handlers: number;
}

/**
 * Makes the running edge's basic-auth accounts exactly `accounts`, without a restart: one write of
 * the servers guarded by If-Match (re-read and re-applied on 412, so a concurrent route write is
 * never lost), or none when they already match. Both servers change in that one write, so no
 * moment has a user admitted on one and refused on the other. WebSockets stay open: the workspace
 * proxies' `stream_close_delay` keeps them through the reload; Caddy empties its `hash_cache`, so
 * each user's next request pays one bcrypt verification (cost 10: ~70 ms).
 */
export async function writeBasicAccounts(
  admin: CaddyAdminClient,
  accounts: BasicAccountInput[],
): Promise<BasicAccountsResult> {
  // The cheap check first (the two handlers by id, not the servers with their tables): the
  // worker runs this every few seconds, and nearly always nothing has changed.
  const wanted = basicAccounts(accounts);
  const current = await Promise.all(
    Object.values(BASIC_AUTH_IDS).map((id) => admin.getById<AuthenticationHandler>(id)),
  );
  const present = current.filter((handler) => handler !== undefined);
  if (present.every((handler) => sameJson(handler.value.providers.http_basic?.accounts, wanted)))
    return { changed: false, handlers: present.length };
  let handlers = 0;
  const { changed } = await admin.update<Record<string, HttpServer>>(
    { path: 'apps/http/servers' },
    (servers) => {
      const next = withBasicAccounts(servers, accounts);
      handlers = next.handlers;
      const same = basicHandlers(servers).every((h) => sameJson(h.providers.http_basic?.accounts, wanted));
      return handlers === 0 || same ? UNCHANGED : next.servers;
    },
  );
  return { changed, handlers };
}
