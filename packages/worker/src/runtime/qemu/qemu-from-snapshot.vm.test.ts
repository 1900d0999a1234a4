import { closeSync, cpSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ideProblem, waitForIde } from '../../jobs/ide-health.js';
import type { VmInfo, VmSpec } from '../vm-runtime.js';
import { buildSnapshot, SNAPSHOT_GUEST } from './build-snapshot.js';
import { clockOffsetNs } from './guest-fixups.js';
import { snapshotFiles } from './guest-snapshot.js';
import { QemuRuntime } from './qemu-runtime.js';
import { withGuestSession } from './qmp.js';

const imageDir = process.env.ROCKPOOL_GUEST_IMAGE;
if (!imageDir)
  throw new Error('ROCKPOOL_GUEST_IMAGE is not set: run scripts/build-guest-image.sh (scripts/test.sh does)');

// The server's default size: the snapshot scripts/run.sh makes is for it, so it is usually cached.
const SIZE = { cpus: 2, memoryMiB: 2048 };
const BOOT_MS = 300_000;
/** The bound: a restored guest's clock is within 1 s of the host's. */
const CLOCK_BOUND_MS = 1_000;

/*
 * Create from the guest snapshot on real VMs: two workspaces restored from one snapshot must not
 * share identity, secrets or RNG state, and a snapshot that does not fit or is damaged must end in a
 * cold boot that says why, never in a hung VM.
 */
describe('QEMU create from the guest snapshot (real VMs)', () => {
  let snapshotDir: string;
  const stateDirs: string[] = [];
  const runtimes: QemuRuntime[] = [];

  function runtimeFor(dir: string): QemuRuntime {
    const stateDir = mkdtempSync(join(tmpdir(), 'rockpool-fromsnap-'));
    stateDirs.push(stateDir);
    const runtime = new QemuRuntime({ imageDir: imageDir as string, stateDir, snapshotDir: dir });
    runtimes.push(runtime);
    return runtime;
  }

  async function sh(runtime: QemuRuntime, workspace: string, script: string): Promise<string> {
    const result = await runtime.exec(workspace, ['/bin/sh', '-c', script], 30_000);
    if (result.exitCode !== 0) throw new Error(`${script}: exit ${result.exitCode}: ${result.stderr}`);
    return result.stdout.trim();
  }

  beforeAll(async () => {
    snapshotDir = await buildSnapshot({
      imageDir: imageDir as string,
      ...SIZE,
      bootTimeoutMs: BOOT_MS,
      log: (line) => console.log(`snapshot: ${line}`),
    });
    const { createdAt } = JSON.parse(readFileSync(snapshotFiles(snapshotDir).description, 'utf8'));
    await sleep(Math.max(0, Date.parse(createdAt) + 2 * CLOCK_BOUND_MS - Date.now()));
  }, BOOT_MS + 120_000);

  afterAll(async () => {
    // Kill by PID whatever the suite left running, then remove the disks.
    for (const runtime of runtimes)
      for (const name of await runtime.list()) {
        const info = await runtime.inspect(name);
        if (info.pid) process.kill(info.pid, 'SIGKILL');
      }
    for (const dir of stateDirs) rmSync(dir, { recursive: true, force: true });
  });

  it(
    'two workspaces from one snapshot differ in name, machine-id, environment, gate secret and RNG',
    async () => {
      const runtime = runtimeFor(snapshotDir);
      const specs: VmSpec[] = ['snapa', 'snapb'].map((workspace) => ({ workspace, ...SIZE }));
      const infos: VmInfo[] = [];
      for (const spec of specs) {
        await runtime.create(spec);
        expect((await runtime.inspect(spec.workspace)).state).toBe('stopped');
        const startedAt = Date.now();
        const info = await runtime.start(spec);
        const gate = info.gate as NonNullable<VmInfo['gate']>;
        await waitForIde(gate, { timeoutMs: 60_000, stillWanted: () => true });
        console.log(`${spec.workspace}: start to IDE through the gate in ${Date.now() - startedAt} ms`);
        expect(info.boot).toMatchObject({ kind: 'snapshot' });
        infos.push(info);
      }
      const seen = await Promise.all(
        specs.map(async ({ workspace }) => ({
          hostname: await sh(runtime, workspace, 'hostname; cat /etc/hostname'),
          machineId: await sh(runtime, workspace, 'cat /etc/machine-id'),
          loginEnv: await sh(runtime, workspace, "runuser -l coder -c 'printenv ROCKPOOL_WORKSPACE_NAME'"),
          ideTerminalEnv: await sh(
            runtime,
            workspace,
            'cat /home/coder/.local/share/code-server/Machine/settings.json',
          ),
          guestSecret: await sh(runtime, workspace, 'cat /run/rockpool/gate-secret'),
          // code-server started in the snapshot, before the workspace had a name: its port links
          // must still land on this workspace's ports (relative to its page, /workspace/{name}/).
          proxyUri: await sh(
            runtime,
            workspace,
            'for p in $(pgrep -f code-server/out/node/entry.js); do tr "\\0" "\\n" < /proc/$p/environ | grep "^VSCODE_PROXY_URI="; done | sort -u',
          ),
          urandom: await sh(runtime, workspace, 'head -c 32 /dev/urandom | od -An -tx1 | tr -d " \\n"'),
          uuid: await sh(runtime, workspace, 'cat /proc/sys/kernel/random/uuid'),
          bootId: await sh(runtime, workspace, 'cat /proc/sys/kernel/random/boot_id'),
          clocksource: await sh(
            runtime,
            workspace,
            'cat /sys/devices/system/clocksource/clocksource0/current_clocksource',
          ),
          skewMs: Number(
            (await withGuestSession(runtime.paths(workspace).qgaSocket, (guest) =>
              clockOffsetNs(guest, Date.now),
            )) / 1_000_000n,
          ),
        })),
      );
      const [a, b] = seen as [(typeof seen)[0], (typeof seen)[0]];
      expect(a.hostname).toBe('snapa\nsnapa');
      expect(b.hostname).toBe('snapb\nsnapb');
      expect(a.machineId).toMatch(/^[0-9a-f]{32}$/);
      expect(a.machineId).not.toBe(b.machineId);
      expect(a.loginEnv).toBe('snapa');
      expect(b.loginEnv).toBe('snapb');
      expect(JSON.parse(a.ideTerminalEnv)).toEqual({
        'terminal.integrated.env.linux': { ROCKPOOL_WORKSPACE_NAME: 'snapa' },
      });
      expect(JSON.parse(b.ideTerminalEnv)['terminal.integrated.env.linux'].ROCKPOOL_WORKSPACE_NAME).toBe(
        'snapb',
      );
      for (const { proxyUri } of seen) expect(proxyUri).toBe('VSCODE_PROXY_URI=./port/{{port}}/');
      expect(a.guestSecret).toBe(infos[0]?.gate?.secret);
      expect(b.guestSecret).toBe(infos[1]?.gate?.secret);
      expect(a.guestSecret).not.toBe(b.guestSecret);
      expect(a.urandom).toMatch(/^[0-9a-f]{64}$/);
      expect(a.urandom).not.toBe(b.urandom);
      expect(a.uuid).not.toBe(b.uuid);
      // boot_id is fixed by the kernel for the boot the snapshot was taken in: the same in both.
      console.log(`boot_id: ${a.bootId} / ${b.bootId}; guest clock vs host: ${a.skewMs} ms, ${b.skewMs} ms`);
      // Set on restore (a clock left where it was would be the snapshot's age behind, at least
      // CLOCK_BOUND_MS: see beforeAll), and kept by the TSC (tsc=reliable), not by counting timer
      // ticks, which fall behind under TCG while the host is busy.
      for (const { clocksource } of seen) expect(clocksource).toBe('tsc');
      for (const { skewMs } of seen) expect(Math.abs(skewMs)).toBeLessThan(CLOCK_BOUND_MS);
      // The snapshot's own name is gone everywhere the fix-ups reach.
      for (const { workspace } of specs)
        expect(await sh(runtime, workspace, `grep -rl ${SNAPSHOT_GUEST} /etc || true`)).toBe('');
      for (const spec of specs) await runtime.delete(spec.workspace);
    },
    BOOT_MS,
  );

  it(
    'a snapshot made for other hardware (more RAM than asked for) means a cold boot that says why',
    async () => {
      const runtime = runtimeFor(snapshotDir);
      const spec: VmSpec = { workspace: 'snapsmall', cpus: SIZE.cpus, memoryMiB: 1024 };
      await runtime.create(spec);
      const info = await runtime.start(spec);
      expect(info.boot).toEqual({
        kind: 'cold',
        instead: 'snapshot',
        reason: `the guest snapshot cannot be used: it was made with ${SIZE.cpus} CPUs and ${SIZE.memoryMiB} MiB, not ${SIZE.cpus} and 1024`,
      });
      await waitForIde(info.gate as NonNullable<VmInfo['gate']>, {
        timeoutMs: BOOT_MS,
        stillWanted: () => true,
      });
      expect(await sh(runtime, spec.workspace, 'hostname')).toBe('snapsmall');
      await runtime.delete(spec.workspace);
    },
    BOOT_MS + 60_000,
  );

  it(
    'a damaged memory file (same size, one byte changed) means a cold boot that says why',
    async () => {
      const damaged = mkdtempSync(join(tmpdir(), 'rockpool-badsnap-'));
      stateDirs.push(damaged);
      cpSync(snapshotDir, damaged, { recursive: true });
      const memory = snapshotFiles(damaged).memory;
      const fd = openSync(memory, 'r+');
      const byte = Buffer.alloc(1);
      const at = 200 * 1024 ** 2; // Inside guest RAM: QEMU itself would not notice.
      readSync(fd, byte, 0, 1, at);
      writeSync(fd, Buffer.from([(byte[0] ?? 0) ^ 0xff]), 0, 1, at);
      closeSync(fd);
      const runtime = runtimeFor(damaged);
      const spec: VmSpec = { workspace: 'snapbad', ...SIZE };
      await runtime.create(spec);
      const info = await runtime.start(spec);
      expect(info.boot).toMatchObject({ kind: 'cold', instead: 'snapshot' });
      expect(info.boot?.kind === 'cold' && info.boot.reason).toMatch(
        /^restoring the guest snapshot failed: the memory file .* is damaged/,
      );
      await waitForIde(info.gate as NonNullable<VmInfo['gate']>, {
        timeoutMs: BOOT_MS,
        stillWanted: () => true,
      });
      expect(await ideProblem(info.gate as NonNullable<VmInfo['gate']>, 5_000)).toBeUndefined();
      await runtime.delete(spec.workspace);
    },
    BOOT_MS + 60_000,
  );
});
