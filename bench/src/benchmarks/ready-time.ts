import { plot } from '../lib/plot.js';
import type { Figure, TargetCheck } from '../lib/results.js';
import { startStack } from '../lib/stack.js';
import { median, round } from '../lib/stats.js';
import { oneRun, PHASES, type PhaseKey, type Run } from './create-run.js';
import { reportSuspendResume, suspendResumeTable } from './suspend-resume.js';
import type { Benchmark } from './types.js';

export const readyTime: Benchmark = {
  name: 'ready-time',
  description:
    'POST /api/workspaces to the IDE answering 200 through Caddy, by phase, from the guest snapshot and with a cold boot; then suspend, and resume to IDE 200 (qemu)',
  async run({ quick, caddyBinary, log, resultsDir }) {
    const parameters = {
      runs: quick ? 1 : 5,
      coldRuns: quick ? 1 : 2,
      runtime: 'qemu',
      pollEveryMs: 10,
      phaseTimes:
        'API: measured by the client; the others from the workspace_phases table (each phase change timestamped by the writer), and the IDE’s first 200 by the client',
      stack: 'rockpool up (Caddy, server, worker) with a temporary data dir and free ports',
      guestMemory: 'the server default (2 CPUs / 2048 MiB on this machine)',
      paths:
        'create from the guest snapshot (scripts/build-guest-snapshot.sh; the worker as scripts/run.sh starts it), and create with a cold boot (a second stack with ROCKPOOL_GUEST_SNAPSHOT=off); each run checks the workspace’s bootPath',
      sleep:
        'after each create: a `sleep 10000 &` started through the guest agent, POST suspend polled every 10 ms until suspended, then POST start until the IDE answers 200 through the edge',
    };
    // Two stacks: the worker as scripts/run.sh starts it (new workspaces from the guest snapshot,
    // then suspend and resume), and one without the snapshot (every create a cold boot).
    // Status polls every 10 ms would meet the API's read limit (600 a minute) and the per-IP one:
    // both stay configured, far above what a run sends.
    const rateLimits = JSON.stringify({
      apiWrite: [{ window: '1m', maxEvents: 1000 }],
      apiRead: [{ window: '1m', maxEvents: 1_000_000 }],
      clientIpControlPlane: [{ window: '1m', maxEvents: 1_000_000 }],
    });
    const runsOf = async (path: 'snapshot' | 'cold', count: number): Promise<Run[]> => {
      const snapshot: Record<string, string> = path === 'cold' ? { ROCKPOOL_GUEST_SNAPSHOT: 'off' } : {};
      const stack = await startStack({ caddyBinary, env: { ROCKPOOL_RATE_LIMITS: rateLimits, ...snapshot } });
      const done: Run[] = [];
      let failed = false;
      try {
        for (let i = 0; i < count; i++) {
          const run = await oneRun(stack, `ready-${path}-${i}`, path === 'snapshot');
          if (run.bootPath !== path)
            throw new Error(`run ${i + 1} should have come up from ${path} but took ${run.bootPath}`);
          done.push(run);
          log(`${path} run ${i + 1}: ${Math.round(run.totalMs)} ms (${JSON.stringify(run.phases)})`);
        }
      } catch (error) {
        failed = true;
        throw new Error(`${(error as Error).message} (the stack's log: ${stack.log})`, { cause: error });
      } finally {
        const { leftoverVms } = await stack.stop({ keepLog: failed });
        if (leftoverVms > 0) log(`WARNING: ${leftoverVms} VM(s) were left running and have been killed`);
      }
      return done;
    };
    if (!process.env.ROCKPOOL_GUEST_SNAPSHOT)
      throw new Error(
        'ROCKPOOL_GUEST_SNAPSHOT is not set: run through scripts/bench.sh, which builds the snapshot',
      );
    const runs = await runsOf('snapshot', parameters.runs);
    const coldRuns = await runsOf('cold', parameters.coldRuns);
    const medianOf = (key: PhaseKey) => median(runs.map((r) => r.phases[key]));
    const figures: Figure[] = PHASES.map((p) => ({
      name: p.title,
      value: round(medianOf(p.key), 1),
      unit: 'ms',
      labels: { phase: p.key, share: p.controlPlane ? 'control plane' : 'VM and code-server' },
    }));
    const total = median(runs.map((r) => r.totalMs));
    const controlPlaneRuns = runs.map((r) =>
      PHASES.filter((p) => p.controlPlane).reduce((sum, p) => sum + r.phases[p.key], 0),
    );
    const controlPlane = median(controlPlaneRuns);
    figures.push(
      { name: 'total: POST to IDE 200 (median)', value: round(total, 1), unit: 'ms' },
      { name: 'control plane share (median)', value: round(controlPlane, 1), unit: 'ms' },
      ...runs.map((r, i) => ({
        name: 'total',
        value: round(r.totalMs, 1),
        unit: 'ms',
        labels: { run: i + 1 },
      })),
    );
    const coldTotal = median(coldRuns.map((r) => r.totalMs));
    figures.push(
      {
        name: 'create from the guest snapshot: POST to IDE 200 (median)',
        value: round(total, 1),
        unit: 'ms',
      },
      { name: 'create with a cold boot: POST to IDE 200 (median)', value: round(coldTotal, 1), unit: 'ms' },
      ...coldRuns.map((r, i) => ({
        name: 'total, cold boot',
        value: round(r.totalMs, 1),
        unit: 'ms',
        labels: { run: i + 1 },
      })),
    );
    const sleepReport = reportSuspendResume(runs.flatMap((r) => (r.sleep ? [r.sleep] : [])));
    figures.push(...sleepReport.figures);
    const dominant = PHASES.filter((p) => p.controlPlane).sort(
      (a, b) => medianOf(b.key) - medianOf(a.key),
    )[0];
    const targets: TargetCheck[] = [
      {
        name: 'control plane share of ready time (median)',
        target: '< 500 ms',
        measured: round(controlPlane, 1),
        unit: 'ms',
        met: controlPlane < 500,
        note: `largest control-plane phase: ${dominant?.title} (${round(medianOf(dominant?.key ?? 'api'), 1)} ms); not counted here: the first request through the new route also pays one bcrypt verification at the edge (~60 ms, see proxy-overhead), inside code-server’s first-page phase`,
      },
      {
        name: 'create → IDE 200 through the edge, from the guest snapshot (median)',
        target: '< 1500 ms',
        measured: round(total, 1),
        unit: 'ms',
        met: total < 1500,
        note: `a cold boot took ${round(coldTotal, 1)} ms (median of ${coldRuns.length})`,
      },
      ...sleepReport.targets,
    ];
    const plots = [
      await plot({
        dir: resultsDir,
        file: 'ready-time.png',
        title: `Ready time by phase, from the guest snapshot (median of ${runs.length}, qemu)`,
        xLabel: 'phase',
        yLabel: 'ms (log scale)',
        categories: ['API', 'queue', 'disk', 'launch', 'boot+IDE', 'route', 'edge wait', 'first page'],
        series: [{ title: 'median', points: PHASES.map((p, i) => [i + 1, Math.max(0.1, medianOf(p.key))]) }],
        style: 'points',
        logY: true,
      }),
    ];
    const tables = [
      [
        ['phase', 'share', 'median ms', ...runs.map((_, i) => `run ${i + 1}`)],
        ...PHASES.map((p) => [
          p.title,
          p.controlPlane ? 'control plane' : 'VM',
          medianOf(p.key),
          ...runs.map((r) => r.phases[p.key]),
        ]),
        ['total', '', total, ...runs.map((r) => r.totalMs)],
        ['control plane share', '', controlPlane, ...controlPlaneRuns],
      ],
      [
        ['cold boot (no snapshot): phase', 'share', 'median ms', ...coldRuns.map((_, i) => `run ${i + 1}`)],
        ...PHASES.map((p) => [
          p.title,
          p.controlPlane ? 'control plane' : 'VM',
          median(coldRuns.map((r) => r.phases[p.key])),
          ...coldRuns.map((r) => r.phases[p.key]),
        ]),
        ['total', '', coldTotal, ...coldRuns.map((r) => r.totalMs)],
      ],
      suspendResumeTable(runs.flatMap((r) => (r.sleep ? [r.sleep] : []))),
    ];
    const notes = [...runs, ...coldRuns].map(
      (r, i) =>
        `run ${i + 1} (${r.bootPath}): ${r.polls} polls (${r.resets} reset by a config change and sent again); requests once the route was in: ${r.answersAfterRoute.join(', ')}`,
    );
    return { parameters, figures, targets, plots, notes, tables };
  },
};
