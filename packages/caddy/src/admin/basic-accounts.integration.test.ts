import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { hashPassword } from '../builders/basic-auth.js';
import { startTestEdge, type TestEdge, type TestUser } from '../testing/edge-fixture.js';
import { startTestGate, type TestGate } from '../testing/test-gate.js';
import { type EchoUpstream, startEchoUpstream } from '../testing/upstream.js';
import { withBasicAccounts, writeBasicAccounts } from './basic-accounts.js';

let edge: TestEdge;
let upstream: EchoUpstream;
let gate: TestGate;
beforeAll(async () => {
  edge = await startTestEdge();
  upstream = await startEchoUpstream({ name: 'ws' });
  gate = await startTestGate({ codeServer: upstream.address });
  for (const owner of ['alice', 'carol'])
    await edge.router.putWorkspace({ name: owner, upstream: gate.address, gateSecret: gate.secret, owner });
});
afterAll(async () => {
  await gate?.close();
  await upstream?.close();
  await edge?.close();
});

const account = async (user: TestUser) => ({
  username: user.username,
  passwordHash: await hashPassword(user.password, 4),
});
const carol: TestUser = { username: 'carol', password: 'carol-password-1' };

/**
 * A GET's status, on a connection of its own. Right after a change the retiring server can still
 * reset a fresh connection (README, known issues): a GET is sent once more.
 */
async function status(url: string, user: TestUser): Promise<number> {
  const send = () => fetch(url, { headers: { ...edge.authHeader(user), Connection: 'close' } });
  let res: Response;
  try {
    res = await send();
  } catch (error) {
    // A reset, or a close before any byte of the answer (undici's UND_ERR_SOCKET, 'other side closed').
    const code = (error as { cause?: { code?: string } }).cause?.code;
    if (code !== 'ECONNRESET' && code !== 'UND_ERR_SOCKET') throw error;
    res = await send();
  }
  await res.arrayBuffer();
  return res.status;
}

describe('basic-auth accounts changed on the running edge', () => {
  it('a user added works at once on both servers, a removed one gets 401 at once, and an open WebSocket stays open', async () => {
    const [alice, bob] = edge.users as [TestUser, TestUser];
    const socket = new WebSocket(`${edge.workspacesUrl.replace('http', 'ws')}/workspace/alice/socket`, {
      headers: edge.authHeader(alice),
    });
    let closed: number | undefined;
    socket.on('close', (code) => {
      closed = code;
    });
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const echo = (message: string) =>
      new Promise<string>((resolve) => {
        socket.once('message', (data) => resolve(data.toString()));
        socket.send(message);
      });

    expect(await status(`${edge.controlPlaneUrl}/api/me`, carol)).toBe(401);
    expect(
      await writeBasicAccounts(edge.caddy.admin, [
        await account(alice),
        await account(bob),
        await account(carol),
      ]),
    ).toEqual({
      changed: true,
      handlers: 2,
    });
    expect(await status(`${edge.controlPlaneUrl}/api/me`, carol)).toBe(200);
    expect(await status(`${edge.workspacesUrl}/workspace/carol/`, carol)).toBe(200);

    expect(
      await writeBasicAccounts(edge.caddy.admin, [await account(alice), await account(carol)]),
    ).toMatchObject({
      changed: true,
    });
    expect(await status(`${edge.controlPlaneUrl}/api/me`, bob)).toBe(401);
    expect(await status(`${edge.workspacesUrl}/workspace/alice/`, bob)).toBe(401);

    expect(await echo('still here')).toBe('still here');
    await sleep(300);
    expect(closed).toBeUndefined();
    socket.close();
  });

  it('writes nothing when the accounts are already these', async () => {
    const accounts = (await edge.caddy.admin.getConfig<Record<string, never>>('apps/http/servers')).value;
    const current = withBasicAccounts(accounts, [
      { username: 'x', passwordHash: await hashPassword('xxxxxxxx', 4) },
    ]);
    expect(current.handlers).toBe(2);
    const alice = edge.users[0] as TestUser;
    const same = [await account(alice), await account(carol)];
    await writeBasicAccounts(edge.caddy.admin, same);
    expect(await writeBasicAccounts(edge.caddy.admin, same)).toEqual({ changed: false, handlers: 2 });
  });
});
