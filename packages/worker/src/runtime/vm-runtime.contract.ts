import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RuntimeError, type VmRuntime, type VmSpec } from './vm-runtime.js';

export interface ContractSetup {
  runtime: VmRuntime;
  /** Stops and removes everything the suite started, by PID where it comes to that. */
  cleanup(): Promise<void>;
}

function healthz(address: string): Promise<boolean> {
  const [host, port] = address.split(':');
  return new Promise((resolve) => {
    const req = request(
      { host, port: Number(port), path: '/healthz', timeout: 2_000, agent: false },
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

/**
 * The behaviour every VmRuntime must have, run against each backend (the fake tart, real QEMU):
 * states, idempotency of every method, and code-server answering once started.
 */
export function describeVmRuntimeContract(
  name: string,
  setup: () => Promise<ContractSetup>,
  options: { bootTimeoutMs?: number; workspace?: string } = {},
): void {
  const workspace = options.workspace ?? 'contract';
  const spec: VmSpec = { workspace, cpus: 1, memoryMiB: 1024 };
  const bootTimeoutMs = options.bootTimeoutMs ?? 30_000;

  describe(`VmRuntime contract: ${name}`, () => {
    let ctx: ContractSetup;
    beforeAll(async () => {
      ctx = await setup();
    });
    afterAll(async () => {
      await ctx?.runtime.delete(workspace).catch(() => undefined);
      await ctx?.cleanup();
    });

    it('reports an unknown workspace as absent', async () => {
      expect(await ctx.runtime.inspect(workspace)).toMatchObject({ state: 'absent' });
      expect(await ctx.runtime.list()).not.toContain(workspace);
    });

    it('creates once, however often asked, and lists the VM as stopped', async () => {
      await ctx.runtime.create(spec);
      await ctx.runtime.create(spec);
      expect(await ctx.runtime.inspect(workspace)).toMatchObject({ state: 'stopped' });
      expect(await ctx.runtime.list()).toContain(workspace);
    });

    it(
      'starts once, however often asked, and code-server answers at the reported address',
      async () => {
        const first = await ctx.runtime.start(spec);
        expect(first.state).toBe('running');
        expect(first.ide).toMatch(/^[\d.]+:\d+$/);
        const again = await ctx.runtime.start(spec);
        expect(again.ide).toBe(first.ide);
        const deadline = Date.now() + bootTimeoutMs;
        while (!(await healthz(first.ide ?? ''))) {
          if (Date.now() > deadline) throw new Error(`code-server did not answer at ${first.ide}`);
          await sleep(500);
        }
        expect(await ctx.runtime.inspect(workspace)).toMatchObject({ state: 'running', ide: first.ide });
      },
      bootTimeoutMs + 60_000,
    );

    it('exposes a port at a stable address, and unexposes it idempotently', async () => {
      const address = await ctx.runtime.exposePort(workspace, 3000);
      expect(address).toMatch(/^[\d.]+:\d+$/);
      expect(await ctx.runtime.exposePort(workspace, 3000)).toBe(address);
      await ctx.runtime.unexposePort(workspace, 3000);
      await ctx.runtime.unexposePort(workspace, 3000);
    });

    it('stops, however often asked, keeping the VM; ports then need a running VM', async () => {
      await ctx.runtime.stop(workspace);
      await ctx.runtime.stop(workspace);
      expect(await ctx.runtime.inspect(workspace)).toMatchObject({ state: 'stopped' });
      const error = await ctx.runtime.exposePort(workspace, 3000).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RuntimeError);
      expect((error as RuntimeError).code).toBe('vm_not_found');
    });

    it('deletes, however often asked', async () => {
      await ctx.runtime.delete(workspace);
      await ctx.runtime.delete(workspace);
      expect(await ctx.runtime.inspect(workspace)).toMatchObject({ state: 'absent' });
      expect(await ctx.runtime.list()).not.toContain(workspace);
    });

    it('refuses names that are not DNS labels before running anything', async () => {
      await expect(ctx.runtime.create({ ...spec, workspace: '../etc' })).rejects.toThrow(
        /invalid workspace name/,
      );
      await expect(ctx.runtime.inspect('UPPER')).rejects.toThrow(/invalid workspace name/);
    });
  });
}
