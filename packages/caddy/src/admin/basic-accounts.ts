import { BASIC_AUTH_ID, type BasicAccountInput, basicAccounts } from '../builders/basic-auth.js';
import { passwordSessionKeys, SESSION_POLICIES } from '../builders/session.js';
import { sameJson } from '../builders/workspace-table.js';
import type {
  AuthenticationHandler,
  AuthorizationPolicy,
  CaddyApps,
  CryptoKeyConfig,
} from '../config/types.js';
import { type CaddyAdminClient, UNCHANGED } from './admin-client.js';

const POLICY_NAMES = new Set<string>(Object.values(SESSION_POLICIES));

/** Every `http_basic` handler Rockpool tagged, wherever it sits in the servers (routes, subroutes). */
function basicHandlers(node: unknown, found: AuthenticationHandler[] = []): AuthenticationHandler[] {
  if (Array.isArray(node)) for (const item of node) basicHandlers(item, found);
  else if (node !== null && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if (record['@id'] === BASIC_AUTH_ID && record.handler === 'authentication')
      found.push(record as unknown as AuthenticationHandler);
    else for (const value of Object.values(record)) basicHandlers(value, found);
  }
  return found;
}

const sessionPolicies = (apps: Pick<CaddyApps, 'security'>): AuthorizationPolicy[] =>
  (apps.security?.config.authorization_policies ?? []).filter((policy) => POLICY_NAMES.has(policy.name));

/** The password accounts as the edge wants them: basic auth on srv0, a session key per user. */
export interface PasswordAccounts {
  accounts: BasicAccountInput[];
  /** The session signing key (the data dir's), from which each user's session key is derived. */
  signingKey: string;
}

function wantedOf({ accounts, signingKey }: PasswordAccounts) {
  return { basic: basicAccounts(accounts), keys: passwordSessionKeys(signingKey, accounts) };
}

const holds = (
  handler: AuthenticationHandler | undefined,
  policies: AuthorizationPolicy[],
  wanted: { basic: unknown; keys: CryptoKeyConfig[] },
) =>
  handler !== undefined &&
  sameJson(handler.providers.http_basic?.accounts, wanted.basic) &&
  policies.every((policy) => sameJson(policy.crypto_key_configs, wanted.keys));

/**
 * A copy of `apps` whose password accounts are exactly these: srv0's tagged `http_basic` handler,
 * and the session policies' keys, which verify the sessions of these users with these passwords
 * only (everything else as it was). `handlers` is 0 when the edge signs in with GitHub: then
 * nothing is changed.
 */
export function withPasswordAccounts(
  apps: CaddyApps,
  password: PasswordAccounts,
): { apps: CaddyApps; handlers: number } {
  const wanted = wantedOf(password);
  const copy = structuredClone(apps);
  const handlers = basicHandlers(copy.http.servers);
  if (handlers.length === 0) return { apps: copy, handlers: 0 };
  for (const handler of handlers)
    if (handler.providers.http_basic) handler.providers.http_basic.accounts = wanted.basic;
  for (const policy of sessionPolicies(copy)) policy.crypto_key_configs = wanted.keys;
  return { apps: copy, handlers: handlers.length };
}

export interface EdgeAccountsResult {
  /** Whether Caddy's accounts changed (false: they were already these). */
  changed: boolean;
  /** The `http_basic` handlers found: 0 when the edge does not sign in with passwords. */
  handlers: number;
}

/**
 * Makes the running edge's password accounts exactly these, without a restart: basic auth for API
 * clients, and whose sessions are valid (a removed user's, or one signed in with an old password,
 * no longer are). One write of the apps guarded by If-Match (re-read and re-applied on 412, so a
 * concurrent route write is never lost), or none when they already match. WebSockets stay open:
 * the workspace proxies' `stream_close_delay` keeps them through the reload.
 */
export async function writeEdgeAccounts(
  admin: CaddyAdminClient,
  password: PasswordAccounts,
): Promise<EdgeAccountsResult> {
  // The cheap check first (the handler by id and the policies, not the servers with their
  // tables): the worker runs this every few seconds, and nearly always nothing has changed.
  const wanted = wantedOf(password);
  const handler = await admin.getById<AuthenticationHandler>(BASIC_AUTH_ID);
  if (!handler) return { changed: false, handlers: 0 };
  const security = await admin.getConfig<CaddyApps['security']>('apps/security');
  if (holds(handler.value, sessionPolicies({ security: security.value }), wanted))
    return { changed: false, handlers: 1 };
  let handlers = 0;
  const { changed } = await admin.update<CaddyApps>({ path: 'apps' }, (apps) => {
    const next = withPasswordAccounts(apps, password);
    handlers = next.handlers;
    const [found] = basicHandlers(apps.http.servers);
    return handlers === 0 || holds(found, sessionPolicies(apps), wanted) ? UNCHANGED : next.apps;
  });
  return { changed, handlers };
}
