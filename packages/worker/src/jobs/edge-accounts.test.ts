import { type BasicAccountInput, hashPassword, ROLE_TABLE_ID } from '@rockpool/caddy';
import { sessionCookieFor, type TestUser } from '@rockpool/caddy/testing';
import { USERS_JOB_SUBJECT, UserStore } from '@rockpool/db';
import { describe, expect, it } from 'vitest';
import { EdgeAccounts } from './edge-accounts.js';
import { until, useWorkerFixture } from './worker.fixture.js';
import { Worker } from './worker.js';

const f = useWorkerFixture();
const carol: TestUser = { username: 'carol', password: 'carol-password-1' };

/**
 * GET /api/me through the edge with a session of this user and password (the edge verifies it with
 * the keys the worker writes); a connection reset by the retiring server (README) is sent again.
 */
async function controlPlaneStatus(account: BasicAccountInput): Promise<number> {
  const send = () =>
    fetch(`${f.edge.controlPlaneUrl}/api/me`, {
      headers: { Cookie: sessionCookieFor(account, { signingKey: f.edge.signingKey }), Connection: 'close' },
    });
  let res: Response;
  try {
    res = await send();
  } catch (error) {
    if ((error as { cause?: { code?: string } }).cause?.code !== 'ECONNRESET') throw error;
    res = await send();
  }
  await res.arrayBuffer();
  return res.status;
}

describe('EdgeAccounts: the users table on the real edge', () => {
  it('a sync_users job run by the worker admits a new user and refuses a removed one', async () => {
    const users = new UserStore(f.db);
    const [alice, bob] = f.edge.users as [TestUser, TestUser];
    const accountOf = async (user: TestUser) => ({
      username: user.username,
      passwordHash: await hashPassword(user.password, 4),
    });
    const [a, b, c] = [await accountOf(alice), await accountOf(bob), await accountOf(carol)];
    for (const account of [a, b])
      users.add({ name: account.username, role: 'member', passwordHash: account.passwordHash });
    users.add({ name: c.username, role: 'admin', passwordHash: c.passwordHash });
    users.remove(bob.username);
    const accounts = new EdgeAccounts(users, f.edge.caddy.admin, async () => f.edge.signingKey, f.log);
    const worker = new Worker(
      { ...f.stores, runtime: f.runtime, router: f.edge.router, accounts, log: f.log },
      { pollMs: 20, healthIntervalMs: 60_000 },
    );
    f.cleanups.push(() => worker.stop());
    await worker.start();
    expect(await controlPlaneStatus(c)).toBe(401);
    const job = f.stores.jobs.enqueue(USERS_JOB_SUBJECT, 'sync_users');
    await until('job done', () => f.stores.jobs.get(job.id)?.state === 'done');
    expect(await controlPlaneStatus(c)).toBe(200);
    expect(await controlPlaneStatus(a)).toBe(200);
    expect(await controlPlaneStatus(b)).toBe(401);
    expect(f.logs.filter((line) => line.startsWith('edge accounts'))).toEqual([
      'edge accounts: now alice, carol',
    ]);
    expect(f.logs).toContain('edge admins: now carol');
    expect(f.logs.join('\n')).not.toContain(carol.password);
  });

  it('tells the edge who the admins are: the users table and the named ones, GitHub users included', async () => {
    const users = new UserStore(f.db);
    users.add({ name: 'root', role: 'admin', passwordHash: await hashPassword('root-password', 4) });
    users.add({ name: 'eve', role: 'member', passwordHash: await hashPassword('eve-password', 4) });
    const accounts = new EdgeAccounts(users, f.edge.caddy.admin, async () => f.edge.signingKey, f.log, {
      admins: ['github.com/octocat'],
    });
    await accounts.sync();
    const table = await f.edge.caddy.admin.getById<{ mappings: { input: string }[] }>(ROLE_TABLE_ID);
    expect(table?.value.mappings.map((entry) => entry.input)).toEqual(['github.com/octocat', 'root']);
    await accounts.sync();
    expect(f.logs.filter((line) => line.startsWith('edge admins'))).toEqual([
      'edge admins: now github.com/octocat, root',
    ]);
  });

  it('a failing periodic sync is logged once', async () => {
    const users = new UserStore(f.db);
    users.add({ name: 'dave', role: 'admin', passwordHash: await hashPassword('dave-password', 4) });
    const failing = {
      list: () => [{ ...users.list()[0], passwordHash: 'not a hash' }],
    } as unknown as UserStore;
    const accounts = new EdgeAccounts(failing, f.edge.caddy.admin, async () => f.edge.signingKey, f.log, {
      now: () => 0,
    });
    await accounts.syncPeriodically();
    await accounts.syncPeriodically();
    expect(f.logs.filter((line) => line.includes('failed'))).toEqual([
      expect.stringMatching(/^edge accounts sync failed: the password of dave must be a bcrypt hash/),
    ]);
  });
});
