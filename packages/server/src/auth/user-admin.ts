import { randomBytes } from 'node:crypto';
import { hashPassword } from '@rockpool/caddy';
import { type JobQueue, type StoredUser, USERS_JOB_SUBJECT, type UserStore } from '@rockpool/db';
import type { UserRole } from '@rockpool/model';
import { ApiError, conflict, notFound } from '../errors.js';
import { awaitJob } from '../job-wait.js';

export interface UserAdminDeps {
  users: UserStore;
  jobs: JobQueue;
  /** How long a change waits for the worker to write the edge's accounts. */
  timeoutMs?: number;
  now?: () => number;
  /** Default: bcrypt at DEFAULT_BCRYPT_COST (10, ~70 ms per check in Caddy: see basic-auth.ts). */
  hash?: (password: string) => Promise<string>;
}

const lastAdmin = () => conflict('last_admin', 'This is the last admin; make another user an admin first.');

/**
 * Adds, changes and removes basic-auth users (admins only: the routes check). Each change is
 * stored, then a `sync_users` job has the worker write the edge's accounts (the control plane has
 * no access to Caddy's admin socket); the answer waits for it, so a user added here can sign in
 * as soon as the request returns. Passwords are hashed here and never stored or logged in clear.
 */
export class UserAdmin {
  readonly #deps: Required<UserAdminDeps>;

  constructor(deps: UserAdminDeps) {
    this.#deps = { timeoutMs: 30_000, now: Date.now, hash: (password) => hashPassword(password), ...deps };
  }

  list(): StoredUser[] {
    return this.#deps.users.list();
  }

  /** The new user, and the password when one was generated (shown this once). */
  async add(input: {
    name: string;
    role?: UserRole;
    password?: string;
  }): Promise<{ user: StoredUser; password?: string }> {
    const password = input.password ?? randomBytes(18).toString('base64url');
    const added = this.#deps.users.add({
      name: input.name,
      role: input.role ?? 'member',
      passwordHash: await this.#deps.hash(password),
    });
    if (added === 'exists')
      throw conflict('user_exists', `A user named ${input.name} already exists.`, { field: 'name' });
    await this.#applyToEdge(`adding ${input.name} to the edge`);
    return input.password === undefined ? { user: added, password } : { user: added };
  }

  async update(name: string, change: { role?: UserRole; password?: string }): Promise<StoredUser> {
    if (!this.#deps.users.find(name)) throw notFound(`No user ${name}.`);
    if (change.role !== undefined) {
      const result = this.#deps.users.setRole(name, change.role);
      if (result === 'last_admin') throw lastAdmin();
      if (result === 'missing') throw notFound(`No user ${name}.`);
    }
    if (change.password !== undefined) {
      if (this.#deps.users.setPassword(name, await this.#deps.hash(change.password)) === 'missing')
        throw notFound(`No user ${name}.`);
      await this.#applyToEdge(`changing the password of ${name} on the edge`);
    }
    return this.#deps.users.find(name) as StoredUser;
  }

  async remove(name: string): Promise<void> {
    const result = this.#deps.users.remove(name);
    if (result === 'missing') throw notFound(`No user ${name}.`);
    if (result === 'last_admin') throw lastAdmin();
    await this.#applyToEdge(`removing ${name} from the edge`);
  }

  #applyToEdge(what: string): Promise<void> {
    const job = this.#deps.jobs.enqueue(USERS_JOB_SUBJECT, 'sync_users');
    return awaitJob(this.#deps.jobs, job, what, this.#deps).catch((error: unknown) => {
      // The table holds the change either way; the worker's periodic sync applies it later.
      if (error instanceof ApiError)
        throw new ApiError(
          error.status,
          error.code,
          `${error.message} The change is saved and will reach the edge once the worker can write it.`,
        );
      throw error;
    });
  }
}
