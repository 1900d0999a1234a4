import type { StoredUser } from '@rockpool/db';
import { describe, expect, it } from 'vitest';
import { actingUser, ControlPlaneError, controlPlaneAs } from './control-plane.js';
import type { SocketRequest } from './server-socket.js';

const user = (name: string, role: StoredUser['role'], createdAt: string): StoredUser => ({
  name,
  role,
  createdAt,
  passwordHash: 'H',
});

const usersOf = (list: StoredUser[]) => ({
  list: () => list,
  find: (name: string) => list.find((u) => u.name === name),
});

describe('actingUser', () => {
  const users = usersOf([
    user('alice', 'member', '2026-01-01T00:00:00.000Z'),
    user('zed', 'admin', '2026-01-02T00:00:00.000Z'),
    user('root', 'admin', '2026-01-03T00:00:00.000Z'),
  ]);

  it('is the first admin by default (the oldest, not the first by name)', () => {
    expect(actingUser(users, undefined)).toBe('zed');
  });

  it('is whoever --as names: a user of the table, or an identity such as github.com/LOGIN', () => {
    expect(actingUser(users, 'alice')).toBe('alice');
    expect(actingUser(users, 'github.com/carol')).toBe('github.com/carol');
  });

  it('refuses a basic-auth name with no user, and a table with no admin to default to', () => {
    expect(() => actingUser(users, 'alcie')).toThrow(/no user "alcie" \(`rockpool user list` lists them/);
    expect(() => actingUser(users, '')).toThrow(/no user ""/);
    expect(() => actingUser(users, 'github.com/a\nX-Evil: 1')).toThrow(/no user "github.com\/a\\nX-Evil: 1"/);
    expect(() => actingUser(usersOf([]), undefined)).toThrow(/no admin in the users table.*--as USER/);
  });
});

describe('controlPlaneAs', () => {
  const answering = (status: number, body: unknown) => {
    const sent: SocketRequest[] = [];
    const api = controlPlaneAs('/data', 'alice', async (_socket, request) => {
      sent.push(request);
      return { status, body };
    });
    return { api, sent };
  };

  it('names the user in X-Rockpool-User on every request, and sends the body as JSON', async () => {
    const { api, sent } = answering(201, { port: 3000 });
    expect(await api.request('POST', '/api/workspaces/dev/ports', { port: 3000 })).toEqual({ port: 3000 });
    expect(sent).toEqual([
      {
        method: 'POST',
        path: '/api/workspaces/dev/ports',
        headers: { 'X-Rockpool-User': 'alice' },
        body: { port: 3000 },
      },
    ]);
  });

  it("turns the API's error body into one line with its code", async () => {
    const { api } = answering(403, {
      error: { code: 'public_ports_disabled', message: 'Public ports are off.' },
    });
    const error = await api.request('PATCH', '/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ControlPlaneError);
    expect(error).toMatchObject({
      code: 'public_ports_disabled',
      status: 403,
      message: 'Public ports are off. (public_ports_disabled)',
    });
  });

  it('names the status when the answer is not an API error', async () => {
    await expect(answering(500, undefined).api.request('GET', '/x')).rejects.toThrow(
      'the control plane answered 500',
    );
  });

  it('says Rockpool is not running when nothing listens on the socket', async () => {
    const api = controlPlaneAs('/nonexistent/rockpool', 'alice');
    await expect(api.request('GET', '/api/workspaces')).rejects.toMatchObject({
      code: 'not_running',
      message: expect.stringMatching(/Rockpool is not running .*start it with `rockpool up`/),
    });
  });
});
