import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { describeVmRuntimeContract } from '../vm-runtime.contract.js';
import { RuntimeError, type VmSpec } from '../vm-runtime.js';
import { BASE, FAKE_TART, fakes, fakeTart, LEASE_IPS, untilGone } from './fake-tart.fixture.js';
import { TartRuntime } from './tart-runtime.js';

const TS_HOOKS = new URL('../../../test/ts-hooks.mjs', import.meta.url).href;
const RUNTIME_SOURCE = new URL('./tart-runtime.ts', import.meta.url).href;

const spec = (workspace: string): VmSpec => ({ workspace, cpus: 1, memoryMiB: 1024 });

async function untilAnswers(url: string, timeoutMs = 10_000, gateSecret?: string): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  const headers = gateSecret ? { 'x-rockpool-gate': gateSecret } : undefined;
  for (;;) {
    const response = await fetch(url, { headers }).catch((error: unknown) => error as Error);
    if (response instanceof Response) return response;
    if (Date.now() > deadline) throw response;
    await sleep(100);
  }
}

describeVmRuntimeContract(
  'tart (fake tart CLI)',
  async () => {
    const fake = await fakeTart();
    return {
      runtime: fake.runtime,
      cleanup: () => fake.cleanup(),
      guest: {
        write: async (workspace, file, text) => fake.guestWrite(fake.runtime.vmName(workspace), file, text),
        read: async (workspace, file) => fake.guestFile(fake.runtime.vmName(workspace), file),
      },
    };
  },
  // The fake tart's guest answers like the gate (the gate itself is proven by packages/guest and,
  // in a real guest, by the QEMU suite).
  { bootTimeoutMs: 15_000 },
);

describe('TartRuntime', () => {
  afterAll(async () => {
    for (const fake of fakes) await fake.cleanup();
  });

  it('clones and sizes the VM, and passes the workspace’s settings to the guest through a read-only share', async () => {
    const fake = await fakeTart();
    const info = await fake.runtime.start({ workspace: 'alice', cpus: 2, memoryMiB: 2048 });
    expect(info).toMatchObject({
      workspace: 'alice',
      state: 'running',
      gate: {
        address: `${LEASE_IPS.split(',')[0]}:${fake.options.guestIdePort}`,
        secret: expect.stringMatching(/^[\w-]{43}$/),
      },
    });
    // The gate's secret reaches the guest through the share, readable by the worker's user only.
    const share = join(fake.root, 'state', 'alice', 'share');
    expect(readFileSync(join(share, 'gate-secret'), 'utf8')).toBe(`${info.gate?.secret}\n`);
    expect(statSync(join(share, 'gate-secret')).mode & 0o777).toBe(0o600);
    expect(statSync(share).mode & 0o777).toBe(0o700);
    expect(statSync(join(fake.root, 'state', 'alice')).mode & 0o777).toBe(0o700);
    expect(fake.runPids()).toEqual([info.pid]);
    const vm = fake.runtime.vmName('alice');
    expect(vm).toBe('rockpool-test1-ws-alice');
    expect(JSON.parse(fake.tart('get', vm, '--format', 'json'))).toMatchObject({
      CPU: 2,
      Memory: 2048,
      State: 'running',
    });
    expect(JSON.parse(fake.recorded(vm, 'shares.json'))).toEqual([
      {
        name: 'rockpool',
        path: join(fake.root, 'state', 'alice', 'share'),
        readOnly: true,
        tag: 'com.apple.virtio-fs.automount',
      },
    ]);
    // What the guest's init read from /mnt/shared/rockpool/workspace.env, and code-server's env.
    expect(fake.recorded(vm, 'network')).toBe('shared');
    // The workspace's name; VS Code's port links need nothing (the guest's default, see rockpool-settings).
    const settings = { ROCKPOOL_WORKSPACE_NAME: 'alice' };
    expect(JSON.parse(fake.recorded(vm, 'guest-env.json'))).toEqual(settings);
    const env = await untilAnswers(`http://${info.gate?.address}/env`, 10_000, info.gate?.secret);
    expect(await env.json()).toEqual(settings);
    await fake.runtime.delete('alice');
    await fake.cleanup();
  });

  it('keeps the output of every tart run as the VM’s log, until the VM is deleted', async () => {
    const fake = await fakeTart();
    for (let boot = 0; boot < 2; boot++) {
      await fake.runtime.start(spec('bob'));
      await fake.runtime.stop('bob');
    }
    const log = await fake.runtime.logTail('bob', 100);
    expect(
      log.match(/^--- .* run rockpool-test1-ws-bob --no-graphics --dir=rockpool:\S+:ro$/gm),
    ).toHaveLength(2);
    expect(log.match(/fake tart: booting rockpool-test1-ws-bob \(1 CPUs, 1024 MiB\)/g)).toHaveLength(2);
    expect(log.match(/fake guest: ROCKPOOL_WORKSPACE_NAME=bob/g)).toHaveLength(2);
    // Each stop asked the guest to shut down (SIGUSR2), and it did: no power cut.
    // (Not adjacent lines: a stop can come while the guest still prints its boot, since a second start
    // may be answered by the first boot's lease.)
    expect(log.match(/^Requesting guest OS to stop\.\.\.$/gm)).toHaveLength(2);
    expect(log.match(/^guest has stopped the virtual machine$/gm)).toHaveLength(2);
    expect(log).not.toMatch(/Stopping VM/);
    await fake.runtime.delete('bob');
    expect(existsSync(join(fake.root, 'state', 'bob'))).toBe(false);
    await fake.cleanup();
  });

  it('start survives the process that ran it: the VM is in no process group of the worker', async () => {
    const fake = await fakeTart();
    // A worker of its own, on the TypeScript sources (not dist/), that starts a VM and ends.
    const script = `
      import { register } from 'node:module';
      register(${JSON.stringify(TS_HOOKS)});
      const { TartRuntime } = await import(${JSON.stringify(RUNTIME_SOURCE)});
      const runtime = new TartRuntime(${JSON.stringify(fake.options)});
      process.stdout.write(JSON.stringify(await runtime.start(${JSON.stringify(spec('carol'))})));`;
    const worker = spawn(process.execPath, ['--input-type=module', '-e', script], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    worker.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    worker.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    // It exits by itself: the `tart run` it spawned does not hold its event loop.
    const code = await new Promise((resolve) => worker.on('exit', resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const started = JSON.parse(stdout);
    expect(started).toMatchObject({ state: 'running', pid: expect.any(Number) });
    // A supervisor ending the worker signals its process group: nothing is left in it.
    expect(() => process.kill(-(worker.pid as number), 'SIGKILL')).toThrow(/ESRCH/);
    // The next worker finds the VM as it was.
    expect(await new TartRuntime(fake.options).inspect('carol')).toEqual(started);
    await fake.runtime.delete('carol');
    expect(await untilGone(started.pid)).toBe(true);
    await fake.cleanup();
  });

  it('notices a tart run that died; stop then tidies up and start boots the VM again', async () => {
    const fake = await fakeTart();
    const first = await fake.runtime.start(spec('dave'));
    process.kill(first.pid as number, 'SIGKILL');
    await sleep(100);
    expect(await fake.runtime.inspect('dave')).toEqual({ workspace: 'dave', state: 'stopped' });
    await fake.runtime.stop('dave');
    const second = await fake.runtime.start(spec('dave'));
    expect(second).toMatchObject({ state: 'running', gate: { address: first.gate?.address } });
    // Every boot gets a new secret.
    expect(second.gate?.secret).not.toBe(first.gate?.secret);
    expect(second.pid).not.toBe(first.pid);
    await fake.runtime.delete('dave');
    await fake.cleanup();
  });

  it('launches one tart run for concurrent starts of a workspace', async () => {
    const fake = await fakeTart();
    const [a, b] = await Promise.all([fake.runtime.start(spec('erin')), fake.runtime.start(spec('erin'))]);
    expect(a.pid).toEqual(expect.any(Number));
    expect(b).toEqual(a);
    expect(fake.runPids()).toEqual([a.pid]);
    expect((await fake.runtime.logTail('erin', 100)).match(/^--- /gm)).toHaveLength(1);
    expect(await fake.runtime.inspect('erin')).toEqual(a);
    await fake.runtime.delete('erin');
    await fake.cleanup();
  });

  it('lists only the VMs of workspaces, by workspace name', async () => {
    const fake = await fakeTart();
    await fake.runtime.create(spec('frank'));
    fake.tart('clone', BASE, 'someone-elses-vm');
    fake.tart('clone', BASE, 'rockpool-test1-ws-Not_A_Name');
    fake.tart('clone', BASE, 'rockpool-ws-frank2'); // named by an older Rockpool, without an instance
    expect(await fake.runtime.list()).toEqual(['frank']);
    await fake.runtime.delete('frank');
    expect(await fake.runtime.list()).toEqual([]);
    await fake.cleanup();
  });

  it('turns tart failures into RuntimeErrors carrying tart’s message', async () => {
    const fake = await fakeTart();
    const noImage = new TartRuntime({ ...fake.options, baseImage: 'no-such-image' });
    await expect(noImage.create(spec('gina'))).rejects.toSatisfy(
      (error) =>
        error instanceof RuntimeError &&
        error.code === 'image_missing' &&
        error.message.includes('the specified VM "no-such-image" does not exist'),
    );
    expect(await noImage.inspect('gina')).toMatchObject({ state: 'absent' });

    const noTart = new TartRuntime({ ...fake.options, tartBinary: join(fake.root, 'no-tart-here') });
    await expect(noTart.inspect('gina')).rejects.toMatchObject({ code: 'runtime_unavailable' });

    // A tart whose `run` fails the way a misconfigured host makes it fail.
    const failingRun = join(fake.root, 'tart-run-fails');
    writeFileSync(
      failingRun,
      `#!/bin/sh\n[ "$1" = run ] && { echo 'Softnet failed: softnet is not installed' >&2; exit 1; }\nexec ${JSON.stringify(FAKE_TART)} "$@"\n`,
    );
    chmodSync(failingRun, 0o755);
    const broken = new TartRuntime({ ...fake.options, tartBinary: failingRun, runStartTimeoutMs: 60_000 });
    const began = Date.now();
    await expect(broken.start(spec('gina'))).rejects.toSatisfy(
      (error) =>
        error instanceof RuntimeError &&
        error.code === 'vm_start_failed' &&
        error.message.includes('Softnet failed: softnet is not installed'),
    );
    expect(Date.now() - began, 'fails when tart run exits, not at the timeout').toBeLessThan(10_000);
    expect(await broken.inspect('gina')).toEqual({ workspace: 'gina', state: 'stopped' });
    await broken.delete('gina');
    await fake.cleanup();
  });

  it('refuses a bad size before cloning anything', async () => {
    const fake = await fakeTart();
    await expect(fake.runtime.create({ workspace: 'hank', cpus: 0, memoryMiB: 1024 })).rejects.toThrow(
      RangeError,
    );
    expect(await fake.runtime.inspect('hank')).toMatchObject({ state: 'absent' });
    await fake.cleanup();
  });
});
