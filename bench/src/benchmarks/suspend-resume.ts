import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { dataDirLayout } from '@rockpool/model/data-dir';
import { guestExec, untilGuestIdle } from '@rockpool/worker';
import type { Figure, TargetCheck } from '../lib/results.js';
import type { RunningStack } from '../lib/stack.js';
import { median, round } from '../lib/stats.js';
import { idempotentRequest, timedRequest } from '../lib/upstream.js';

/** One suspend and resume of a running workspace, as a user sees them through the API and the edge. */
export interface SuspendResumeRun {
  /** POST suspend to the workspace reported suspended (memory on disk, QEMU gone). */
  suspendMs: number;
  /** The memory file, and what the guest had in use (RAM + page cache) just before. */
  memoryFileBytes: number;
  guestUsedBytes: number;
  /** POST start to the IDE answering 200 through the edge. */
  resumeMs: number;
  /** Whether a process started before the suspend runs after the resume, with the same PID. */
  processKept: boolean;
  /** How long the guest took to settle before the suspend, and whether it did (see below). */
  settleMs: number;
  settled: boolean;
}

async function untilState(stack: RunningStack, id: string, state: string): Promise<void> {
  for (let i = 0; ; i++) {
    const r = await idempotentRequest(`${stack.controlPlaneUrl}/api/workspaces/${id}`, {
      headers: stack.authHeader,
    });
    if (r.status !== 200) throw new Error(`GET ${id} answered ${r.status}: ${r.body}`);
    const body = JSON.parse(r.body) as {
      state: string;
      phase: string;
      error: string | null;
      notice: string | null;
    };
    if (body.state === state) return;
    if (body.state === 'error') throw new Error(`${id} failed: ${body.error}`);
    if (i > 3_000)
      throw new Error(
        `${id} did not become ${state} after ${i} polls: it is ${body.state} (${body.phase}), notice: ${body.notice}`,
      );
    await sleep(10);
  }
}

async function sh(qga: string, script: string): Promise<string> {
  const result = await guestExec(qga, ['/bin/sh', '-c', script], { timeoutMs: 30_000 });
  if (result.exitCode !== 0) throw new Error(`${script}: exit ${result.exitCode}: ${result.stderr}`);
  return result.stdout.trim();
}

export async function suspendAndResume(
  stack: RunningStack,
  id: string,
  name: string,
  ideAnswers: () => Promise<void>,
): Promise<SuspendResumeRun> {
  const vmDir = join(dataDirLayout(stack.dataDir).vmsDir, name);
  const qga = join(vmDir, 'qga.sock');
  const pid = await sh(qga, 'sleep 10000 >/dev/null 2>&1 & echo $!');
  // Suspended as an idle suspend finds a guest: settled after its IDE's first page (code-server
  // works on for a few seconds after it), since a resume replays whatever the guest was doing.
  const settle = await untilGuestIdle(qga);
  const guestUsedBytes = Number(await sh(qga, "free -b | awk '/^Mem:/ {print $3 + $6}'"));
  const post = (action: string) =>
    timedRequest(`${stack.controlPlaneUrl}/api/workspaces/${id}/${action}`, {
      method: 'POST',
      headers: stack.authHeader,
    });

  const suspendAt = performance.now();
  const suspended = await post('suspend');
  if (suspended.status !== 202) throw new Error(`suspend answered ${suspended.status}: ${suspended.body}`);
  await untilState(stack, id, 'suspended');
  const suspendMs = performance.now() - suspendAt;
  const memoryFileBytes = (await stat(join(vmDir, 'memory.bin'))).size;

  const resumeAt = performance.now();
  const started = await post('start');
  if (started.status !== 202) throw new Error(`start answered ${started.status}: ${started.body}`);
  await ideAnswers();
  const resumeMs = performance.now() - resumeAt;
  const processKept = (await sh(qga, `cat /proc/${pid}/cmdline | tr '\\0' ' '`)) === 'sleep 10000';
  return {
    suspendMs,
    memoryFileBytes,
    guestUsedBytes,
    resumeMs,
    processKept,
    settleMs: settle.waitedMs,
    settled: settle.idle,
  };
}

/** The figures and the issue's targets (issue 16) for suspend and resume. */
export function reportSuspendResume(runs: SuspendResumeRun[]): { figures: Figure[]; targets: TargetCheck[] } {
  const of = (key: 'suspendMs' | 'resumeMs' | 'memoryFileBytes' | 'guestUsedBytes') =>
    median(runs.map((r) => r[key]));
  const mib = (bytes: number) => round(bytes / 1024 ** 2, 1);
  const kept = runs.filter((r) => r.processKept).length;
  return {
    figures: [
      { name: 'suspend: POST to suspended (median)', value: round(of('suspendMs') / 1000, 2), unit: 's' },
      { name: 'suspend: memory file (median)', value: mib(of('memoryFileBytes')), unit: 'MiB' },
      {
        name: 'suspend: guest used memory incl. page cache (median)',
        value: mib(of('guestUsedBytes')),
        unit: 'MiB',
      },
      {
        name: 'resume: POST start to IDE 200 through the edge (median)',
        value: round(of('resumeMs'), 1),
        unit: 'ms',
      },
    ],
    targets: [
      {
        name: 'resume → IDE 200 (median), a process started before the suspend still running',
        target: '< 1000 ms',
        measured: round(of('resumeMs'), 1),
        unit: 'ms',
        met: of('resumeMs') < 1000 && kept === runs.length,
        note: `process kept in ${kept} of ${runs.length} runs; suspended once settled (${runs.map((r) => `${r.settled ? '' : 'not idle after '}${round(r.settleMs / 1000, 1)} s`).join(', ')})`,
      },
      {
        name: 'suspend (median), the memory file no larger than the guest’s used memory',
        target: '< 2.5 s',
        measured: round(of('suspendMs') / 1000, 2),
        unit: 's',
        met: of('suspendMs') < 2500 && runs.every((r) => r.memoryFileBytes <= r.guestUsedBytes),
        note: `file / used per run: ${runs.map((r) => `${mib(r.memoryFileBytes)} / ${mib(r.guestUsedBytes)} MiB`).join(', ')}`,
      },
    ],
  };
}

/** Suspend and resume of each run, beside their medians. */
export function suspendResumeTable(runs: SuspendResumeRun[]): (string | number)[][] {
  return [
    ['suspend and resume', 'median', ...runs.map((_, i) => `run ${i + 1}`)],
    [
      'suspend: POST to suspended (ms)',
      round(median(runs.map((r) => r.suspendMs)), 0),
      ...runs.map((r) => round(r.suspendMs, 0)),
    ],
    [
      'resume: POST start to IDE 200 (ms)',
      round(median(runs.map((r) => r.resumeMs)), 0),
      ...runs.map((r) => round(r.resumeMs, 0)),
    ],
  ];
}
