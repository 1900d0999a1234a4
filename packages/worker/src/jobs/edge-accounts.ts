import { type CaddyAdminClient, writeEdgeAccounts, writeEdgeAdmins } from '@rockpool/caddy';
import type { UserStore } from '@rockpool/db';
import { SyncBackoff } from './sync-backoff.js';

export interface EdgeAccountsOptions {
  /** Identities that are admins whatever the users table says (ROCKPOOL_ADMINS: GitHub users). */
  admins?: readonly string[];
  now?: () => number;
}

/**
 * Keeps the edge's password accounts equal to the users table (basic auth for API clients, and
 * whose sessions are valid: a removed user's or an old password's end here), and its role table to
 * the admins (the users table's and ROCKPOOL_ADMINS): on a `sync_users` job (the server enqueues
 * one after each change to the users) and periodically (a change made while Caddy was away). The
 * control plane has no access to Caddy's admin socket; the worker, which already writes the routes,
 * does this too. Names are logged, never passwords, hashes or keys.
 */
export class EdgeAccounts {
  readonly #backoff: SyncBackoff;
  readonly #admins: readonly string[];

  constructor(
    private readonly users: Pick<UserStore, 'list'>,
    private readonly admin: CaddyAdminClient,
    /** The data dir's session signing key, read when needed (never from the environment). */
    private readonly signingKey: () => Promise<string>,
    private readonly log: (message: string) => void,
    options: EdgeAccountsOptions = {},
  ) {
    this.#backoff = new SyncBackoff(options.now ?? Date.now);
    this.#admins = options.admins ?? [];
  }

  /** Writes the accounts and the admins if they differ; throws when Caddy cannot be written. */
  async sync(): Promise<void> {
    const users = this.users.list();
    const admins = [
      ...this.#admins,
      ...users.filter((user) => user.role === 'admin').map((user) => user.name),
    ];
    const roles = await writeEdgeAdmins(this.admin, admins);
    if (roles.changed) this.log(`edge admins: now ${[...new Set(admins)].sort().join(', ') || 'none'}`);
    // An empty table is an install not set up yet (`rockpool up` adds the first admin): keep Caddy's.
    if (users.length === 0) return;
    const result = await writeEdgeAccounts(this.admin, {
      accounts: users.map((user) => ({ username: user.name, passwordHash: user.passwordHash })),
      signingKey: await this.signingKey(),
    });
    if (result.changed) this.log(`edge accounts: now ${users.map((user) => user.name).join(', ')}`);
  }

  /** The periodic sync: a failure is logged once per distinct message and backs off. */
  async syncPeriodically(): Promise<void> {
    if (!this.#backoff.due()) return;
    try {
      await this.sync();
      const ended = this.#backoff.succeeded();
      if (ended) this.log(`edge accounts sync works again (it failed with: ${ended})`);
    } catch (error) {
      const message = (error as Error).message;
      if (this.#backoff.failed(message)) this.log(`edge accounts sync failed: ${message}; backing off`);
    }
  }
}
