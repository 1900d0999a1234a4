/**
 * `rockpool workspace` and `rockpool port` against a whole stack started by `rockpool up` (the
 * xcaddy-built Caddy, the server and the worker with the fake tart): through the control plane's
 * unix socket, as the first admin or as --as names, with ownership as the API enforces it.
 */
import { Readable, Writable } from 'node:stream';
import type { Port, Workspace } from '@rockpool/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli.js';
import { startTestStack, type TestStack } from './stack.fixture.js';

let running: TestStack | undefined;

beforeAll(async () => {
  running = await startTestStack({
    name: 'cli-api',
    shellEnv: { CADDY_PASSWORD: 'cli-api-admin-password' },
    bootable: true,
  });
  expect((await rockpool('user', 'add', 'alice', '--password-stdin')).code).toBe(0);
});

afterAll(async () => {
  await running?.stop();
});

/** `rockpool ARGS`: its exit status and output, or the message of what it threw (main.ts prints that). */
async function rockpool(...args: string[]): Promise<{ code: number; output: string; error?: string }> {
  let output = '';
  const io = {
    env: { ROCKPOOL_DATA_DIR: running?.dataDir ?? '' },
    input: Readable.from(['alice-password-1']),
    output: new Writable({
      write(chunk: Buffer, _encoding, done) {
        output += chunk.toString();
        done();
      },
    }),
  };
  try {
    return { code: await runCli(args, io), output };
  } catch (error) {
    return { code: 1, output, error: (error as Error).message };
  }
}

const json = <T>(result: { output: string }) => JSON.parse(result.output) as T;

describe('rockpool workspace and rockpool port on a running stack', () => {
  it('creates a workspace as --as names; an action its state does not allow is refused in one line', async () => {
    const created = await rockpool('workspace', 'create', 'dev', '--as', 'alice');
    expect(created.code, created.error).toBe(0);
    expect(created.output).toMatch(
      /^Created dev \(owner alice\): creating\. Its IDE, once running: http:\/\/\S+\/workspace\/dev\/\n$/,
    );
    // Creating or already running: start works from stopped, suspended or error only.
    expect(await rockpool('ws', 'start', 'dev', '--as', 'alice')).toMatchObject({
      code: 1,
      error: expect.stringMatching(/\(invalid_state\)$/),
    });
  });

  it('create, stop and start --wait return once the workspace is there', async () => {
    expect((await rockpool('ws', 'create', 'admins', '--wait')).output).toMatch(
      /^admins: running\. IDE: http:\/\/\S+\/workspace\/admins\/\n$/,
    );
    expect(await rockpool('ws', 'stop', 'admins', '--wait')).toEqual({
      code: 0,
      output: 'admins: stopped.\n',
    });
    expect(json<Workspace>(await rockpool('ws', 'start', 'admins', '--wait', '--json'))).toMatchObject({
      name: 'admins',
      state: 'running',
      owner: 'admin',
    });
  });

  it('lists workspaces: a table for people, every field with --json; the admin sees all, a member their own', async () => {
    const table = await rockpool('ws', 'list');
    expect(table.code).toBe(0);
    const lines = table.output.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+STATE\s+OWNER\s+IDE$/);
    expect(lines.slice(1).map((line) => line.split(/\s+/).slice(0, 3))).toEqual([
      ['admins', 'running', 'admin'],
      ['dev', expect.any(String), 'alice'],
    ]);
    const mine = json<Workspace[]>(await rockpool('ws', 'list', '--json', '--as', 'alice'));
    expect(mine.map((w) => `${w.name}:${w.owner}`)).toEqual(['dev:alice']);
    expect(mine[0]).toMatchObject({
      id: expect.stringMatching(/^ws_/),
      ideUrl: expect.stringContaining('/workspace/dev/'),
    });
    // status counts every workspace, not only those of an anonymous caller.
    expect(json<{ workspaces: { total: number } }>(await rockpool('status', '--json')).workspaces.total).toBe(
      2,
    );
  });

  it('adds a port with a sharing level, changes it, lists and removes it', async () => {
    const added = await rockpool('port', 'add', 'admins', '3000', '--sharing', 'authenticated');
    expect(added.code, added.error).toBe(0);
    expect(added.output).toMatch(
      /^Forwarded port 3000 of admins \(authenticated\): http:\/\/\S+\/workspace\/admins\/port\/3000\/\n$/,
    );
    expect((await rockpool('port', 'add', 'admins', '8080')).code).toBe(0);
    const listed = await rockpool('port', 'list', 'admins');
    expect(listed.output.split('\n').map((line) => line.split(/\s+/).slice(0, 2))).toEqual([
      ['PORT', 'SHARING'],
      ['3000', 'authenticated'],
      ['8080', 'private'],
      [''],
    ]);
    const shared = await rockpool('port', 'share', 'admins', '8080', 'authenticated', '--json');
    expect(json<Port>(shared)).toMatchObject({ port: 8080, sharing: 'authenticated' });
    expect((await rockpool('port', 'share', 'admins', '3000', 'private')).output).toMatch(
      /^Port 3000 of admins is now private: /,
    );
    expect((await rockpool('port', 'remove', 'admins', '3000')).output).toBe(
      'Stopped forwarding port 3000 of admins.\n',
    );
    expect(json<Port[]>(await rockpool('port', 'list', 'admins', '--json'))).toEqual([
      expect.objectContaining({ port: 8080, sharing: 'authenticated' }),
    ]);
  });

  it('says clearly what went wrong: the API refusing, an unknown workspace, bad input before any request', async () => {
    expect(await rockpool('port', 'share', 'admins', '8080', 'public')).toMatchObject({
      code: 1,
      error: expect.stringMatching(
        /^Public ports are off on this Rockpool.*ROCKPOOL_PUBLIC_PORTS=true\. \(public_ports_disabled\)$/,
      ),
    });
    expect(await rockpool('port', 'list', 'nope')).toMatchObject({
      code: 1,
      error: expect.stringMatching(/\(not_found\)$/),
    });
    // Alice's view of the admin's workspace is a missing one, word for word.
    const hidden = await rockpool('ws', 'stop', 'admins', '--as', 'alice');
    const unknown = await rockpool('ws', 'stop', 'nope', '--as', 'alice');
    expect(hidden.error?.replace('admins', 'X')).toBe(unknown.error?.replace('nope', 'X'));
    expect(await rockpool('port', 'add', 'admins', '3001', '--sharing', 'team')).toMatchObject({
      code: 1,
      error: 'invalid sharing level "team": one of private, authenticated, public',
    });
    expect((await rockpool('port', 'add', 'admins', '70000')).error).toBe(
      'invalid port "70000": a port is 1-65535',
    );
    expect((await rockpool('ws', 'list', '--as', 'mallory')).error).toMatch(/^no user "mallory"/);
    expect(json<Port[]>(await rockpool('port', 'list', 'admins', '--json')).map((p) => p.port)).toEqual([
      8080,
    ]);
  });

  it('deletes workspaces, waiting until they are gone', async () => {
    expect(await rockpool('ws', 'delete', 'admins', '--wait')).toEqual({
      code: 0,
      output: 'Deleted admins.\n',
    });
    expect((await rockpool('ws', 'delete', 'dev')).output).toBe('dev: deleting.\n');
    expect((await rockpool('ws', 'delete', 'admins')).error).toMatch(/\(not_found\)$/);
  });
});
