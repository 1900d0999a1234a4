import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GateEndpoint, VmRuntime, VmSpec } from './vm-runtime.js';

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
  'gate',
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

/** The status of GET `path` at the gate's address with these headers; 0 when the request fails. */
function gateStatus(gate: GateEndpoint, path: string, headers: Record<string, string>): Promise<number> {
  const colon = gate.address.lastIndexOf(':');
  return new Promise((resolve) => {
    const req = request(
      {
        host: gate.address.slice(0, colon),
        port: Number(gate.address.slice(colon + 1)),
        path,
        headers,
        timeout: 2_000,
        agent: false,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** Waits until code-server's /healthz answers 200 through the gate, with the secret. */
async function untilHealthy(gate: GateEndpoint | undefined, timeoutMs: number): Promise<void> {
  if (!gate) throw new Error('the running VM reports no gate');
  const deadline = Date.now() + timeoutMs;
  while ((await gateStatus(gate, '/healthz', { 'X-Rockpool-Gate': gate.secret })) !== 200) {
    if (Date.now() > deadline)
      throw new Error(
        `code-server did not answer through the gate at ${gate.address} within ${timeoutMs} ms`,
      );
    await sleep(500);
  }
}

/**
 * The behaviour every VmRuntime must have, run against each backend (tart through the fake tart,
 * real QEMU): states absent → stopped → running → suspended → running → stopped → absent,
 * idempotency of every method, and code-server answering through the gate `start` reports, which
 * opens only with its secret, a new one for every boot and resume. A runtime whose suspend cannot
 * keep memory (`suspendKeepsMemory` false) stops instead, and says so. It uses the interface only.
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
    let gate: GateEndpoint | undefined;

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

    test('absent', 'an unknown workspace is absent, and stop/delete of it do nothing', async () => {
      expect(await ctx.runtime.inspect(workspace)).toEqual({ workspace, state: 'absent' });
      expect(await ctx.runtime.list()).not.toContain(workspace);
      await ctx.runtime.stop(workspace);
      await ctx.runtime.suspend(workspace);
      await ctx.runtime.delete(workspace);
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
      'starts once however often asked; code-server answers through the reported gate',
      async () => {
        const first = await ctx.runtime.start(spec);
        expect(first).toMatchObject({ workspace, state: 'running' });
        expect(first.gate?.address).toMatch(/^[\w.-]+:\d+$/);
        expect(first.gate?.secret).toMatch(/^[\w-]{43}$/);
        gate = first.gate;
        const again = await ctx.runtime.start(spec);
        expect(again).toMatchObject({ state: 'running', gate: first.gate });
        if (first.pid !== undefined) expect(again.pid).toBe(first.pid);
        await untilHealthy(first.gate, bootTimeoutMs);
        expect(await ctx.runtime.inspect(workspace)).toMatchObject({ state: 'running', gate: first.gate });
        expect(await ctx.runtime.list()).toContain(workspace);
      },
      bootTimeoutMs + testTimeoutMs,
    );

    test(
      'gate',
      'the gate opens only with the secret; a guest port where nothing listens is 502',
      async () => {
        const open = gate as GateEndpoint;
        expect(await gateStatus(open, '/healthz', {})).toBe(403);
        expect(await gateStatus(open, '/healthz', { 'X-Rockpool-Gate': 'x'.repeat(43) })).toBe(403);
        expect(await gateStatus(open, '/healthz', { 'X-Rockpool-Gate': open.secret })).toBe(200);
        const closedPort = { 'X-Rockpool-Gate': open.secret, 'X-Rockpool-Port': '3999' };
        expect(await gateStatus(open, '/', closedPort)).toBe(502);
        expect(await gateStatus(open, '/', { 'X-Rockpool-Port': '3999' })).toBe(403);
      },
    );

    test(
      'suspend',
      'suspends however often asked: no process, no gate, memory kept (or a stop), disk counted',
      async () => {
        const before = await ctx.runtime.diskUsage(workspace);
        await ctx.runtime.suspend(workspace);
        await ctx.runtime.suspend(workspace);
        const state = ctx.runtime.suspendKeepsMemory ? 'suspended' : 'stopped';
        expect(await ctx.runtime.inspect(workspace)).toEqual({ workspace, state });
        expect(await ctx.runtime.list()).toContain(workspace);
        const after = await ctx.runtime.diskUsage(workspace);
        if (before !== undefined && after !== undefined && ctx.runtime.suspendKeepsMemory)
          expect(after).toBeGreaterThan(before); // The memory file is on disk now.
      },
    );

    test(
      'resume',
      'start resumes a suspended VM (a cold boot where memory is not kept) with a new secret; code-server answers',
      async () => {
        const info = await ctx.runtime.start(spec);
        expect(info).toMatchObject({ state: 'running' });
        // Resumed from memory; a runtime that keeps none booted afresh, which is nothing to report.
        if (ctx.runtime.suspendKeepsMemory) expect(info.boot).toMatchObject({ kind: 'resumed' });
        else expect(info.boot).toBeUndefined();
        const again = await ctx.runtime.start(spec);
        expect(again.boot).toBeUndefined(); // Already running: nothing was booted.
        expect(again.gate).toEqual(info.gate);
        await untilHealthy(info.gate, bootTimeoutMs);
        // The restored guest's gate held the old secret in its memory: the resume replaced it.
        const resumed = info.gate as GateEndpoint;
        expect(resumed.secret).not.toBe(gate?.secret);
        if (!skip.has('gate'))
          expect(await gateStatus(resumed, '/healthz', { 'X-Rockpool-Gate': gate?.secret ?? '' })).toBe(403);
        gate = resumed;
      },
      bootTimeoutMs + testTimeoutMs,
    );

    test('stop', 'stops however often asked, keeping the VM, which then has no gate', async () => {
      await ctx.runtime.stop(workspace);
      await ctx.runtime.stop(workspace);
      expect(await ctx.runtime.inspect(workspace)).toEqual({ workspace, state: 'stopped' });
      expect(await ctx.runtime.list()).toContain(workspace);
    });

    test(
      'restart',
      'a stopped VM starts again with a new secret, and code-server answers again',
      async () => {
        const info = await ctx.runtime.start(spec);
        expect(info).toMatchObject({ state: 'running' });
        if (gate) expect(info.gate?.secret).not.toBe(gate.secret);
        await untilHealthy(info.gate, bootTimeoutMs);
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
        await untilHealthy(info.gate, bootTimeoutMs);
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
      await expect(ctx.runtime.stop('')).rejects.toThrow(/invalid workspace name/);
      await expect(ctx.runtime.delete('a_b')).rejects.toThrow(/invalid workspace name/);
      await expect(ctx.runtime.suspend('a.b')).rejects.toThrow(/invalid workspace name/);
      await expect(ctx.runtime.diskUsage('..')).rejects.toThrow(/invalid workspace name/);
    });
  });
}
