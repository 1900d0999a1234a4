import type { UserRole } from '@rockpool/model';
import type { Db } from './database.js';

/** A basic-auth user as stored: the bcrypt hash, never the password. */
export interface StoredUser {
  name: string;
  role: UserRole;
  passwordHash: string;
  createdAt: string;
}

interface UserRow {
  name: string;
  role: UserRole;
  password_hash: string;
  created_at: string;
}

const fromRow = (row: UserRow): StoredUser => ({
  name: row.name,
  role: row.role,
  passwordHash: row.password_hash,
  createdAt: row.created_at,
});

/** Why a change to the users was refused. */
export type UserChangeRefusal = 'exists' | 'missing' | 'last_admin';

/**
 * Basic-auth users. Every admin could be removed or demoted one at a time, leaving nobody to manage
 * the others: the last admin is kept (checked in the same transaction as the change).
 */
export class UserStore {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  list(): StoredUser[] {
    return (this.db.prepare('SELECT * FROM users ORDER BY name').all() as UserRow[]).map(fromRow);
  }

  find(name: string): StoredUser | undefined {
    const row = this.db.prepare('SELECT * FROM users WHERE name = ?').get(name) as UserRow | undefined;
    return row && fromRow(row);
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM users').get() as { n: number }).n;
  }

  add(input: { name: string; role: UserRole; passwordHash: string }): StoredUser | 'exists' {
    const user = { ...input, createdAt: new Date(this.now()).toISOString() };
    const { changes } = this.db
      .prepare(
        `INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (name) DO NOTHING`,
      )
      .run(user.name, user.role, user.passwordHash, user.createdAt);
    return changes === 1 ? user : 'exists';
  }

  /** Adds `input` as an admin only when there is no user at all: the first user of a new install. */
  addFirstAdmin(input: { name: string; passwordHash: string }): boolean {
    return this.db
      .transaction(() => this.count() === 0 && this.add({ ...input, role: 'admin' }) !== 'exists')
      .immediate();
  }

  remove(name: string): true | UserChangeRefusal {
    return this.#guarded(name, () => this.db.prepare('DELETE FROM users WHERE name = ?').run(name), true);
  }

  setRole(name: string, role: UserRole): true | UserChangeRefusal {
    return this.#guarded(
      name,
      () => this.db.prepare('UPDATE users SET role = ? WHERE name = ?').run(role, name),
      role !== 'admin',
    );
  }

  setPassword(name: string, passwordHash: string): true | 'missing' {
    const { changes } = this.db
      .prepare('UPDATE users SET password_hash = ? WHERE name = ?')
      .run(passwordHash, name);
    return changes === 1 ? true : 'missing';
  }

  #guarded(name: string, change: () => unknown, losesAdmin: boolean): true | UserChangeRefusal {
    return this.db
      .transaction((): true | UserChangeRefusal => {
        const user = this.find(name);
        if (!user) return 'missing';
        const admins = (
          this.db.prepare(`SELECT COUNT(*) AS n FROM users WHERE role = 'admin'`).get() as { n: number }
        ).n;
        if (losesAdmin && user.role === 'admin' && admins === 1) return 'last_admin';
        change();
        return true;
      })
      .immediate();
  }
}
