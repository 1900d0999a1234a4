import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { open, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ideProblem, waitForIde } from '../../jobs/ide-health.js';
import type { GateEndpoint, VmSpec } from '../vm-runtime.js';
import { QemuRuntime } from './qemu-runtime.js';

const imageDir = process.env.ROCKPOOL_GUEST_IMAGE;
if (!imageDir)
  throw new Error('ROCKPOOL_GUEST_IMAGE is not set: run scripts/build-guest-image.sh (scripts/test.sh does)');

const spec: VmSpec = { workspace: 'snap', cpus: 1, memoryMiB: 1024 };
const BOOT_MS = 240_000;

describe('QEMU suspend and resume (real VMs)', () => {
  let stateDir: string;
  let runtime: QemuRuntime;

  /** Runs `script` in the guest as root; its stdout, trimmed. Retries while the agent is not up yet. */
  async function sh(script: string, timeoutMs = BOOT_MS): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const result = await runtime.exec(spec.workspace, ['/bin/sh', '-c', script], 30_000);
        if (result.exitCode !== 0) throw new Error(`${script}: exit ${result.exitCode}: ${result.stderr}`);
        return result.stdout.trim();
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(1_000);
      }
    }
  }

  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'rockpool-snap-'));
    runtime = new QemuRuntime({ imageDir, stateDir });
    await runtime.start(spec);
    await sh('true');
  }, BOOT_MS + 60_000);

  afterAll(async () => {
    // Kill by PID whatever the suite left running, then remove its disks.
    const info = await runtime.inspect(spec.workspace);
    if (info.pid) process.kill(info.pid, 'SIGKILL');
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('keeps a running process (same PID), a written file and the clock across suspend and resume', async () => {
    const pid = await sh('sleep 10000 >/dev/null 2>&1 & echo $!');
    await sh('echo before-suspend > /root/kept.txt');
    const used = await sh("free -b | awk '/^Mem:/ {print $3 + $6}'"); // used + page cache

    await runtime.suspend(spec.workspace);
    expect(await runtime.inspect(spec.workspace)).toEqual({ workspace: spec.workspace, state: 'suspended' });
    const memory = runtime.paths(spec.workspace).memory;
    const fileBytes = (await stat(memory.state)).size;
    console.log(`memory file ${fileBytes} bytes; guest used ${used} bytes (with page cache)`);
    expect(fileBytes).toBeGreaterThan(0);
    expect(await runtime.diskUsage(spec.workspace)).toBeGreaterThanOrEqual(fileBytes);
    await sleep(10_000); // Long enough that a clock left at suspend time would be seen.

    const info = await runtime.start(spec);
    expect(info.boot).toMatchObject({ kind: 'resumed' });
    if (info.boot?.kind === 'resumed' && info.boot.notice) console.log(`resume notice: ${info.boot.notice}`);
    expect(existsSync(memory.state)).toBe(false);
    expect(await sh(`cat /proc/${pid}/cmdline | tr '\\0' ' '`)).toBe('sleep 10000');
    expect(await sh('cat /root/kept.txt')).toBe('before-suspend');
    // Set to the host's on resume (left alone it would be 10 s behind), and kept by the TSC
    // (tsc=reliable): within the 1 s, measured from before to after the command ran.
    const before = Date.now();
    const guestMs = Number(await sh('date +%s%3N'));
    const after = Date.now();
    console.log(`guest clock ${guestMs - after} to ${guestMs - before} ms off the host after resume`);
    expect(guestMs).toBeGreaterThan(before - 1_000);
    expect(guestMs).toBeLessThan(after + 1_000);
  }, 300_000);

  it('loses no synced file when QEMU is killed in the middle of a suspend; start boots afresh', async () => {
    await sh('echo written-and-synced > /root/synced.txt && sync');
    const { pid } = await runtime.inspect(spec.workspace);
    const memory = runtime.paths(spec.workspace).memory;
    let settled = false;
    const suspending = runtime.suspend(spec.workspace).finally(() => {
      settled = true;
    });
    suspending.catch(() => undefined);
    // Kill QEMU once the memory stream has begun.
    while (!existsSync(memory.partial) && !settled) await sleep(5);
    process.kill(pid as number, 'SIGKILL');
    await expect(suspending).rejects.toThrow();
    expect(await runtime.inspect(spec.workspace)).toEqual({ workspace: spec.workspace, state: 'stopped' });

    const info = await runtime.start(spec);
    expect(info).toMatchObject({ state: 'running' });
    expect(info.boot).toBeUndefined(); // Nothing half-saved was left to try.
    expect(await sh('cat /root/synced.txt')).toBe('written-and-synced');
  }, 300_000);

  it('finishes a resume that a crash cut short once the guest could run: the wake again, or a cold boot', async () => {
    const { memory } = runtime.paths(spec.workspace);
    // The VM may still be booting (the test before this one started it): its gate must be up.
    const booted = await runtime.inspect(spec.workspace);
    await waitForIde(booted.gate as GateEndpoint, { timeoutMs: BOOT_MS, stillWanted: () => true });
    const pid = await sh('sleep 10000 >/dev/null 2>&1 & echo $!');
    await runtime.suspend(spec.workspace);
    await runtime.start(spec);
    // What a worker that died right after `cont` leaves: the marker, a running guest whose clock is
    // still the suspend's and which holds the gate's old secret.
    await writeFile(memory.woken, '');
    await sh('date -s @$(( $(date +%s) - 30 )) >/dev/null && rm /run/rockpool/gate-secret');
    const again = await runtime.start(spec);
    expect(again.boot).toMatchObject({ kind: 'resumed' });
    expect(existsSync(memory.woken)).toBe(false);
    expect(await ideProblem(again.gate as GateEndpoint, 10_000)).toBeUndefined();
    expect(Math.abs(Number(await sh('date +%s%3N')) - Date.now())).toBeLessThan(1_000);
    expect(await sh(`cat /proc/${pid}/cmdline | tr '\\0' ' '`)).toBe('sleep 10000');

    // What QEMU killed after the marker leaves: the memory must never be loaded onto the disk the
    // guest may have written since; start boots cold and says why.
    await sh('echo synced-before > /root/synced-before.txt && sync');
    await runtime.suspend(spec.workspace);
    await writeFile(memory.woken, '');
    const cold = await runtime.start(spec);
    expect(cold.boot).toMatchObject({ kind: 'cold', reason: expect.stringMatching(/cut short/) });
    expect([memory.state, memory.meta, memory.woken].filter((f) => existsSync(f))).toEqual([]);
    expect(await sh('cat /root/synced-before.txt')).toBe('synced-before');
  }, 600_000);

  it('falls back to a cold boot, with the reason, from a damaged or a truncated memory file', async () => {
    const memory = runtime.paths(spec.workspace).memory;
    await runtime.suspend(spec.workspace);
    // Damage the stream's header, keeping the size: only QEMU's loader can tell.
    const file = await open(memory.state, 'r+');
    await file.write(Buffer.alloc(64, 0xff), 0, 64, 0);
    await file.close();
    const damaged = await runtime.start(spec);
    expect(damaged.boot).toMatchObject({
      kind: 'cold',
      reason: expect.stringMatching(/restoring the memory failed/),
    });
    console.log(`damaged: ${damaged.boot?.kind === 'cold' ? damaged.boot.reason : ''}`);
    expect(await sh('cat /root/kept.txt')).toBe('before-suspend');

    await runtime.suspend(spec.workspace);
    await truncate(memory.state, Math.floor((await stat(memory.state)).size / 2));
    const truncated = await runtime.start(spec);
    expect(truncated.boot).toMatchObject({ kind: 'cold', reason: expect.stringMatching(/truncated/) });
    expect(existsSync(memory.state)).toBe(false);
    expect(await sh('cat /root/kept.txt')).toBe('before-suspend');
    await runtime.stop(spec.workspace);
  }, 600_000);
});
