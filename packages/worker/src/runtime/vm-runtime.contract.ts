import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RuntimeError, type VmRuntime, type VmSpec } from './vm-runtime.js';

export interface ContractSetup {
  runtime: VmRuntime;
  /** Stops and removes whatever the runtime left behind, by PID where it comes to that. */
  cleanup(): Promise<void>;
  /** The spec the suite boots `workspace` with; default 1 CPU, 1024 MiB. */
  spec?(workspace: string): VmSpec;
  /**
   * Writes and reads a file inside the running guest (a write lands in the guest's page cache, as
   * any program's does); without it the durable-writes case is skipped.
   */
  guest?: {
    write(workspace: string, file: string, text: string): Promise<void>;
    read(workspace: string, file: string): Promise<string | undefined>;
  };
}

/** The cases, in the order they run; each builds on the state the previous ones left. */
export const CONTRACT_CASES = [
  'absent',
  'create',
  'start',
  'expose-port',
  'suspend',
  'resume',
  'stop',
  'restart',
  'discard-memory',
  'durable-writes',
  'delete',
  'invalid-names',
] as const;
export type ContractCase = (typeof CONTRACT_CASES)[number];

export interface ContractOptions {
  /** The workspace the suite creates (and deletes in afterAll); default "contract". */
  workspace?: string;
  /** How long a boot may take until code-server answers; default 30 s. */
  bootTimeoutMs?: number;
  /** Timeout of each case that does not boot; default 60 s. */
  testTimeoutMs?: number;
  /** Cases to skip, each with the reason in the caller's code; later cases may depend on them. */
  skip?: readonly ContractCase[];
}

/** True when code-server's /healthz answers 200 at `address` (`host:port`). */
function healthz(address: string): Promise<boolean> {
  const colon = address.lastIndexOf(':');
  return new Promise((resolve) => {
    const req = request(
      {
        host: address.slice(0, colon),
        port: Number(address.slice(colon + 1)),
        path: '/healthz',
        timeout: 2_000,
        agent: false,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

async function untilHealthy(address: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await healthz(address))) {
    if (Date.now() > deadline)
      throw new Error(`code-server did not answer at ${address} within ${timeoutMs} ms`);
    await sleep(500);
  }
}

/**
 * The behaviour every VmRuntime must have, run against each backend (tart through the fake tart,
 * real QEMU): states absent → stopped → running → suspended → running → stopped → absent,
 * idempotency of every method, and code-server answering at the address `start` reports. A runtime
 * whose suspend cannot keep memory (`suspendKeepsMemory` false) stops instead, and says so. It
 * uses the interface only.
 */
export function describeVmRuntimeContract(
  name: string,
  setup: () => Promise<ContractSetup>,
  options: ContractOptions = {},
): void {
  const workspace = options.workspace ?? 'contract';
  const bootTimeoutMs = options.bootTimeoutMs ?? 30_000;
  const testTimeoutMs = options.testTimeoutMs ?? 60_000;
  const skip = new Set(options.skip ?? []);
  const test = (
    id: ContractCase,
    title: string,
    fn: (context: { skip(note?: string): never }) => Promise<void>,
    timeoutMs = testTimeoutMs,
  ) => it.skipIf(skip.has(id))(`${id}: ${title}`, (context) => fn(context), timeoutMs);

  describe(`VmRuntime contract: ${name}`, () => {
    let ctx: ContractSetup;
    let spec: VmSpec;
    let ide: string | undefined;

    beforeAll(async () => {
      ctx = await setup();
      spec = ctx.spec?.(workspace) ?? { workspace, cpus: 1, memoryMiB: 1024 };
    }, testTimeoutMs);

    afterAll(async () => {
      if (!ctx) return;
      try {
        await ctx.runtime.delete(workspace);
      } finally {
        await ctx.cleanup();
      }
    }, testTimeoutMs + bootTimeoutMs);

    test('absent', 'an unknown workspace is absent, and stop/delete/unexpose of it do nothing', async () => {
      expect(await ctx.runtime.inspect(workspace)).toEqual({ workspace, state: 'absent' });
      expect(await ctx.runtime.list()).not.toContain(workspace);
      await ctx.runtime.stop(workspace);
      await ctx.runtime.suspend(workspace);
      await ctx.runtime.delete(workspace);
      await ctx.runtime.unexposePort(workspace, 3000);
      expect(await ctx.runtime.inspect(workspace)).toMatchObject({ state: 'absent' });
      expect(await ctx.runtime.diskUsage(workspace)).toBeUndefined();
    });

    test('create', 'creates once however often asked; the VM is stopped and listed', async () => {
      await ctx.runtime.create(spec);
      await ctx.runtime.create(spec);
      expect(await ctx.runtime.inspect(workspace)).toMatchObject({ workspace, state: 'stopped' });
      expect((await ctx.runtime.list()).filter((w) => w === workspace)).toEqual([workspace]);
      await ctx.runtime.stop(workspace); // never started: nothing to stop
      expect(await ctx.runtime.inspect(workspace)).toMatchObject({ state: 'stopped' });
    });

    test(
      'start',
      'starts once however often asked; code-server answers at the reported address',
      async () => {
        const first = await ctx.runtime.start(spec);
        expect(first).toMatchObject({ workspace, state: 'running' });
        expect(first.ide).toMatch(/^[\w.-]+:\d+$/);
        ide = first.ide;
        const again = await ctx.runtime.start(spec);
        expect(again).toMatchObject({ state: 'running', ide: first.ide });
        if (first.pid !== undefined) expect(again.pid).toBe(first.pid);
        await untilHealthy(first.ide ?? '', bootTimeoutMs);
        expect(await ctx.runtime.inspect(workspace)).toMatchObject({ state: 'running', ide: first.ide });
        expect(await ctx.runtime.list()).toContain(workspace);
      },
      bootTimeoutMs + testTimeoutMs,
    );

    test('expose-port', 'exposes a port at a stable address; unexposing twice does no harm', async () => {
      const address = await ctx.runtime.exposePort(workspace, 3000);
      expect(address).toMatch(/^[\w.-]+:\d+$/);
      expect(await ctx.runtime.exposePort(workspace, 3000)).toBe(address);
      expect(await ctx.runtime.exposePort(workspace, 3001)).not.toBe(address);
      await ctx.runtime.unexposePort(workspace, 3000);
      await ctx.runtime.unexposePort(workspace, 3000);
      await ctx.runtime.unexposePort(workspace, 3001);
      // The job runner and the health monitor change one workspace's ports at the same time.
      const ports = [3002, 3003, 3004, 3005, 3006];
      const addresses = await Promise.all(ports.map((port) => ctx.runtime.exposePort(workspace, port)));
      expect(new Set(addresses).size).toBe(ports.length);
      expect(await Promise.all(ports.map((port) => ctx.runtime.exposePort(workspace, port)))).toEqual(
        addresses,
      );
      await Promise.all(ports.map((port) => ctx.runtime.unexposePort(workspace, port)));
      // The IDE is untouched by port changes.
      expect(await ctx.runtime.inspect(workspace)).toMatchObject({ state: 'running', ide });
    });

    test(
      'suspend',
      'suspends however often asked: no process, memory kept (or a stop), disk counted',
      async () => {
        const before = await ctx.runtime.diskUsage(workspace);
        await ctx.runtime.suspend(workspace);
        await ctx.runtime.suspend(workspace);
        const state = ctx.runtime.suspendKeepsMemory ? 'suspended' : 'stopped';
        expect(await ctx.runtime.inspect(workspace)).toEqual({ workspace, state });
        expect(await ctx.runtime.list()).toContain(workspace);
        const error = await ctx.runtime.exposePort(workspace, 3000).catch((e: unknown) => e);
        expect((error as RuntimeError).code).toBe('vm_not_found');
        const after = await ctx.runtime.diskUsage(workspace);
        if (before !== undefined && after !== undefined && ctx.runtime.suspendKeepsMemory)
          expect(after).toBeGreaterThan(before); // The memory file is on disk now.
      },
    );

    test(
      'resume',
      'start resumes a suspended VM (a cold boot where memory is not kept); code-server answers',
      async () => {
        const info = await ctx.runtime.start(spec);
        expect(info).toMatchObject({ state: 'running' });
        // Resumed from memory; a runtime that keeps none booted afresh, which is nothing to report.
        if (ctx.runtime.suspendKeepsMemory) expect(info.boot).toMatchObject({ kind: 'resumed' });
        else expect(info.boot).toBeUndefined();
        const again = await ctx.runtime.start(spec);
        expect(again.boot).toBeUndefined(); // Already running: nothing was booted.
        await untilHealthy(info.ide ?? '', bootTimeoutMs);
        ide = info.ide;
      },
      bootTimeoutMs + testTimeoutMs,
    );

    test('stop', 'stops however often asked, keeping the VM; ports then need a running VM', async () => {
      await ctx.runtime.stop(workspace);
      await ctx.runtime.stop(workspace);
      expect(await ctx.runtime.inspect(workspace)).toEqual({ workspace, state: 'stopped' });
      expect(await ctx.runtime.list()).toContain(workspace);
      const error = await ctx.runtime.exposePort(workspace, 3000).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RuntimeError);
      expect((error as RuntimeError).code).toBe('vm_not_found');
      await ctx.runtime.unexposePort(workspace, 3000);
    });

    test(
      'restart',
      'a stopped VM starts again and code-server answers again',
      async () => {
        const info = await ctx.runtime.start(spec);
        expect(info).toMatchObject({ state: 'running' });
        await untilHealthy(info.ide ?? '', bootTimeoutMs);
        await ctx.runtime.stop(workspace);
        expect(await ctx.runtime.inspect(workspace)).toMatchObject({ state: 'stopped' });
      },
      bootTimeoutMs + testTimeoutMs,
    );

    test(
      'discard-memory',
      'stop of a suspended VM throws its memory away: the next start is a cold boot',
      async () => {
        const info = await ctx.runtime.start(spec);
        await untilHealthy(info.ide ?? '', bootTimeoutMs);
        await ctx.runtime.suspend(workspace);
        await ctx.runtime.stop(workspace);
        expect(await ctx.runtime.inspect(workspace)).toEqual({ workspace, state: 'stopped' });
        const booted = await ctx.runtime.start(spec);
        expect(booted.boot).toBeUndefined();
        await ctx.runtime.stop(workspace);
      },
      bootTimeoutMs + testTimeoutMs,
    );

    test(
      'durable-writes',
      'what the guest wrote before a stop is on its disk after the next start (stop is no power cut)',
      async (context) => {
        const guest = ctx.guest;
        if (!guest) return context.skip('this setup cannot write inside its guest');
        await ctx.runtime.start(spec);
        const text = `written before stop ${Date.now()}`;
        await guest.write(workspace, 'rockpool-contract', text);
        await ctx.runtime.stop(workspace);
        await ctx.runtime.start(spec);
        expect(await guest.read(workspace, 'rockpool-contract')).toBe(text);
        await ctx.runtime.stop(workspace);
        expect(await ctx.runtime.inspect(workspace)).toMatchObject({ state: 'stopped' });
      },
      bootTimeoutMs + testTimeoutMs,
    );

    test('delete', 'deletes however often asked; the VM is absent and no longer listed', async () => {
      await ctx.runtime.delete(workspace);
      await ctx.runtime.delete(workspace);
      expect(await ctx.runtime.inspect(workspace)).toEqual({ workspace, state: 'absent' });
      expect(await ctx.runtime.list()).not.toContain(workspace);
    });

    test('invalid-names', 'refuses names that are not DNS labels before running anything', async () => {
      await expect(ctx.runtime.create({ ...spec, workspace: '../etc' })).rejects.toThrow(
        /invalid workspace name/,
      );
      await expect(ctx.runtime.start({ ...spec, workspace: 'a/b' })).rejects.toThrow(
        /invalid workspace name/,
      );
      await expect(ctx.runtime.inspect('UPPER')).rejects.toThrow(/invalid workspace name/);
      await expect(ctx.runtime.exposePort('-x', 3000)).rejects.toThrow(/invalid workspace name/);
      await expect(ctx.runtime.stop('')).rejects.toThrow(/invalid workspace name/);
      await expect(ctx.runtime.delete('a_b')).rejects.toThrow(/invalid workspace name/);
      await expect(ctx.runtime.suspend('a.b')).rejects.toThrow(/invalid workspace name/);
      await expect(ctx.runtime.diskUsage('..')).rejects.toThrow(/invalid workspace name/);
    });
  });
}
