import { BASIC_AUTH_ID, type BasicAccountInput, checkPasswordAccounts } from '../builders/basic-auth.js';
import { passwordSessionKeys, SESSION_POLICIES } from '../builders/session.js';
import { sameJson } from '../builders/workspace-table.js';
import type { AuthorizationPolicy, CaddyApps, CryptoKeyConfig } from '../config/types.js';
import { type CaddyAdminClient, UNCHANGED } from './admin-client.js';

const POLICY_NAMES = new Set<string>(Object.values(SESSION_POLICIES));

/** How many basic-auth checks Rockpool tagged, wherever they sit in the servers (routes, subroutes). */
function basicChecks(node: unknown): number {
  if (Array.isArray(node)) return node.reduce((sum: number, item) => sum + basicChecks(item), 0);
  if (node === null || typeof node !== 'object') return 0;
  const record = node as Record<string, unknown>;
  if (record['@id'] === BASIC_AUTH_ID) return 1;
  return Object.values(record).reduce((sum: number, value) => sum + basicChecks(value), 0);
}

const sessionPolicies = (apps: Pick<CaddyApps, 'security'>): AuthorizationPolicy[] =>
  (apps.security?.config.authorization_policies ?? []).filter((policy) => POLICY_NAMES.has(policy.name));

/** The password accounts as the edge wants them: a session key per user. */
export interface PasswordAccounts {
  accounts: BasicAccountInput[];
  /** The session signing key (the data dir's), from which each user's session key is derived. */
  signingKey: string;
}

function keysOf({ accounts, signingKey }: PasswordAccounts): CryptoKeyConfig[] {
  checkPasswordAccounts(accounts);
  return passwordSessionKeys(signingKey, accounts);
}

const holds = (policies: AuthorizationPolicy[], keys: CryptoKeyConfig[]) =>
  policies.every((policy) => sameJson(policy.crypto_key_configs, keys));

/**
 * A copy of `apps` whose session policies verify the sessions of these users with these passwords
 * only (everything else as it was). The passwords themselves are checked by the control plane
 * (the sign-in page, and srv0's basic-auth check), from the users table. `handlers` is 0 when the
 * edge signs in with GitHub (no basic-auth check on srv0): then nothing is changed.
 */
export function withPasswordAccounts(
  apps: CaddyApps,
  password: PasswordAccounts,
): { apps: CaddyApps; handlers: number } {
  const keys = keysOf(password);
  const copy = structuredClone(apps);
  const handlers = basicChecks(copy.http.servers);
  if (handlers === 0) return { apps: copy, handlers: 0 };
  for (const policy of sessionPolicies(copy)) policy.crypto_key_configs = keys;
  return { apps: copy, handlers };
}

export interface EdgeAccountsResult {
  /** Whether Caddy's session keys changed (false: they were already these). */
  changed: boolean;
  /** The basic-auth checks found: 0 when the edge does not sign in with passwords. */
  handlers: number;
}

/**
 * Makes the running edge's password accounts exactly these, without a restart: whose sessions are
 * valid (a removed user's, or one signed in with an old password, no longer are), and whom a
 * right basic-auth password admits (the control plane's token for it is signed like a session).
 * One write of the apps guarded by If-Match (re-read and re-applied on 412, so a concurrent route
 * write is never lost), or none when they already match. WebSockets stay open: the workspace
 * proxies' `stream_close_delay` keeps them through the reload.
 */
export async function writeEdgeAccounts(
  admin: CaddyAdminClient,
  password: PasswordAccounts,
): Promise<EdgeAccountsResult> {
  // The cheap check first (the check by id and the policies, not the servers with their tables):
  // the worker runs this every few seconds, and nearly always nothing has changed.
  const keys = keysOf(password);
  const check = await admin.getById<unknown>(BASIC_AUTH_ID);
  if (!check) return { changed: false, handlers: 0 };
  const security = await admin.getConfig<CaddyApps['security']>('apps/security');
  if (holds(sessionPolicies({ security: security.value }), keys)) return { changed: false, handlers: 1 };
  let handlers = 0;
  const { changed } = await admin.update<CaddyApps>({ path: 'apps' }, (apps) => {
    const next = withPasswordAccounts(apps, password);
    handlers = next.handlers;
    return handlers === 0 || holds(sessionPolicies(apps), keys) ? UNCHANGED : next.apps;
  });
  return { changed, handlers };
}
