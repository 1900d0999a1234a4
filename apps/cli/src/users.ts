import { type BasicAccountInput, hashPassword } from '@rockpool/caddy';
import { openDatabase, UserStore } from '@rockpool/db';
import { dataDirLayout } from '@rockpool/model/data-dir';

/** Runs `work` on the users table of this data dir's database, closed afterwards. */
export async function withUsers<T>(dataDir: string, work: (users: UserStore) => T | Promise<T>): Promise<T> {
  const db = openDatabase(dataDirLayout(dataDir).database);
  try {
    return await work(new UserStore(db));
  } finally {
    db.close();
  }
}

/**
 * The edge's basic-auth accounts: every user in the table. A new install (or one from before users
 * were stored) has none: the account from CADDY_USERNAME / CADDY_PASSWORD or the generated initial
 * password becomes the first user, an admin.
 */
export function basicAccounts(dataDir: string, first: BasicAccountInput): Promise<BasicAccountInput[]> {
  return withUsers(dataDir, (users) => {
    users.addFirstAdmin({ name: first.username, passwordHash: first.passwordHash });
    return users.list().map((user) => ({ username: user.name, passwordHash: user.passwordHash }));
  });
}

/** The admins the edge knows: the users table's and those named in ROCKPOOL_ADMINS. */
export function edgeAdmins(users: UserStore, named: readonly string[]): string[] {
  return [
    ...named,
    ...users
      .list()
      .filter((user) => user.role === 'admin')
      .map((user) => user.name),
  ];
}

/**
 * bcrypt at cost 10: the control plane checks it in ~70 ms, at sign-in and for an API client's basic
 * auth once every few minutes (it remembers a right password that long); generated passwords (144
 * random bits) need no stretching at all.
 */
export const hashUserPassword = (password: string) => hashPassword(password);
