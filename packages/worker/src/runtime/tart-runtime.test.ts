import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  tartCloneArgs,
  tartGetArgs,
  tartIpArgs,
  tartListArgs,
  tartRunArgs,
  tartSetArgs,
  tartStopArgs,
} from './tart-args.js';
import { TartRuntime } from './tart-runtime.js';
import { describeVmRuntimeContract } from './vm-runtime.contract.js';
import { RuntimeError } from './vm-runtime.js';

const FAKE_TART = join(import.meta.dirname, '..', '..', 'test', 'fake-tart', 'tart');

/** A fake tart home with a provisioned base VM, and a runtime using it. */
function fakeTart() {
  const root = mkdtempSync(join(tmpdir(), 'rockpool-tart-'));
  const home = join(root, 'tart-home');
  mkdirSync(join(home, 'vms', 'rockpool-base'), { recursive: true });
  writeFileSync(
    join(home, 'vms', 'rockpool-base', 'config.json'),
    JSON.stringify({ cpu: 4, memory: 4096, index: 9 }),
  );
  const env = { FAKE_TART_HOME: home };
  const runtime = new TartRuntime({
    tartBinary: FAKE_TART,
    baseImage: 'rockpool-base',
    stateDir: join(root, 'state'),
    env,
    ipWaitSeconds: 10,
  });
  /** Kills every `tart run` still alive, by PID, and removes the directories. */
  const cleanup = async () => {
    for (const vm of existsSync(join(home, 'vms')) ? readdirSync(join(home, 'vms')) : []) {
      const pidFile = join(home, 'vms', vm, 'run.pid');
      if (!existsSync(pidFile)) continue;
      try {
        process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    rmSync(root, { recursive: true, force: true });
  };
  return { root, home, env, runtime, cleanup };
}

describe('tart argument builders', () => {
  it.each([
    [tartCloneArgs('rockpool-base', 'rockpool-ws-a'), ['clone', 'rockpool-base', 'rockpool-ws-a']],
    [tartSetArgs('rockpool-ws-a', 2, 4096), ['set', 'rockpool-ws-a', '--cpu', '2', '--memory', '4096']],
    [
      tartRunArgs('rockpool-ws-a', { name: 'rockpool', path: '/s/a' }),
      ['run', 'rockpool-ws-a', '--no-graphics', '--dir=rockpool:/s/a:ro'],
    ],
    [tartIpArgs('rockpool-ws-a', 120), ['ip', 'rockpool-ws-a', '--wait', '120']],
    [tartStopArgs('rockpool-ws-a'), ['stop', 'rockpool-ws-a', '--timeout', '30']],
    [tartGetArgs('rockpool-ws-a'), ['get', 'rockpool-ws-a', '--format', 'json']],
    [tartListArgs(), ['list', '--source', 'local', '--format', 'json']],
  ])('%j', (args, expected) => expect(args).toEqual(expected));
});

describeVmRuntimeContract('tart (fake tart CLI)', async () => {
  const fake = fakeTart();
  return { runtime: fake.runtime, cleanup: fake.cleanup };
});

describe('TartRuntime specifics', () => {
  let fake: ReturnType<typeof fakeTart>;
  beforeAll(() => {
    fake = fakeTart();
  });
  afterAll(() => fake.cleanup());

  it('passes the workspace name into the guest through a read-only share, and keeps the run output as the log', async () => {
    const info = await fake.runtime.start({ workspace: 'alice', cpus: 2, memoryMiB: 2048 });
    const env = await (await fetch(`http://${info.ide}/env`)).json();
    expect(env).toEqual({ ROCKPOOL_WORKSPACE_NAME: 'alice' });
    const shares = JSON.parse(
      readFileSync(join(fake.home, 'vms', 'rockpool-ws-alice', 'shares.json'), 'utf8'),
    );
    expect(shares).toEqual([['rockpool', join(fake.root, 'state', 'alice', 'share'), 'ro']]);
    const got = JSON.parse(
      execFileSync(FAKE_TART, ['get', 'rockpool-ws-alice', '--format', 'json'], {
        env: { ...process.env, ...fake.env },
      }).toString(),
    );
    expect(got).toMatchObject({ CPU: 2, Memory: 2048, State: 'running' });
    expect(await fake.runtime.logTail('alice')).toContain('booting rockpool-ws-alice (2 CPUs, 2048 MB)');
    await fake.runtime.stop('alice');
    expect(await fake.runtime.logTail('alice')).toContain('rockpool-ws-alice stopped');
  });

  it('keeps the VM running when the process that started it goes away (detached)', async () => {
    const script = `import('${join(import.meta.dirname, '..', '..', 'dist', 'runtime', 'tart-runtime.js')}').then(async ({ TartRuntime }) => {
      const rt = new TartRuntime(${JSON.stringify({ tartBinary: FAKE_TART, baseImage: 'rockpool-base', stateDir: join(fake.root, 'state'), env: fake.env })});
      await rt.start({ workspace: 'bob', cpus: 1, memoryMiB: 1024 });
      process.exit(0);
    })`;
    execFileSync(process.execPath, ['--input-type=module', '-e', script]);
    expect(await fake.runtime.inspect('bob')).toMatchObject({ state: 'running' });
    await fake.runtime.delete('bob');
  });

  it('turns a tart failure into a RuntimeError carrying tart’s message', async () => {
    const broken = new TartRuntime({
      tartBinary: FAKE_TART,
      baseImage: 'no-such-image',
      stateDir: join(fake.root, 'state'),
      env: fake.env,
    });
    const error = await broken
      .create({ workspace: 'carol', cpus: 1, memoryMiB: 1024 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeError);
    expect((error as RuntimeError).code).toBe('vm_command_failed');
    expect((error as RuntimeError).message).toContain('the specified VM "no-such-image" does not exist');
  });

  it('lists only workspace VMs, by workspace name, never the base image', async () => {
    await fake.runtime.create({ workspace: 'dave', cpus: 1, memoryMiB: 1024 });
    const listed = await fake.runtime.list();
    expect(listed).toContain('dave');
    expect(listed).not.toContain('base');
    expect(listed.every((name) => !name.startsWith('rockpool'))).toBe(true);
    await fake.runtime.delete('dave');
  });
});
