import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase, WorkspaceStore } from '@rockpool/db';
import { dataDirLayout } from '@rockpool/model/data-dir';
import { plot } from '../lib/plot.js';
import type { Figure, TargetCheck } from '../lib/results.js';
import { type RunningStack, startStack } from '../lib/stack.js';
import { median, round } from '../lib/stats.js';
import { timedRequest } from '../lib/upstream.js';
import { reportSuspendResume, type SuspendResumeRun, suspendAndResume } from './suspend-resume.js';
import type { Benchmark } from './types.js';

/** Phases in order; `controlPlane` marks Rockpool's own share (the rest is the VM and code-server). */
const PHASES = [
  { key: 'api', title: 'API (POST answered)', controlPlane: true },
  { key: 'queue', title: 'queue (job claimed by the worker)', controlPlane: true },
  { key: 'vmCreate', title: 'VM disk created (qcow2 overlay)', controlPlane: false },
  { key: 'vmStart', title: 'VM launched (qemu -daemonize)', controlPlane: false },
  { key: 'guestAndIde', title: 'guest boot + code-server start (/healthz)', controlPlane: false },
  { key: 'route', title: 'route added (Caddy admin)', controlPlane: true },
  { key: 'edgeWait', title: 'until a request reaches code-server (poll gap, edge 404s)', controlPlane: true },
  {
    key: 'firstPage',
    title: 'code-server’s first page (302, then 200) through Caddy',
    controlPlane: false,
  },
] as const;
type PhaseKey = (typeof PHASES)[number]['key'];

interface Run {
  phases: Record<PhaseKey, number>;
  totalMs: number;
  polls: number;
  /** Polls whose fresh connection a config change reset before any answer. */
  resets: number;
  /** Status and duration of each request made once the route was in place. */
  answersAfterRoute: string[];
  /** Then suspended and resumed (issue 16). */
  sleep: SuspendResumeRun;
}

interface Poll {
  /** Wall-clock ms when the poll started. */
  at: number;
  status: number;
  ms: number;
}

function isConnectionReset(error: unknown): boolean {
  const { code, message } = error as { code?: string; message?: string };
  return code === 'ECONNRESET' || message === 'socket hang up';
}

/**
 * GET the IDE through srv1 on a new connection; a redirect from code-server is followed once.
 * Returns every request made, so the time spent waiting on code-server shows.
 */
async function pollIde(stack: RunningStack, name: string): Promise<Poll[]> {
  const url = `${stack.workspacesUrl}/workspace/${name}/`;
  const first = await timedPoll(url, stack.sessionHeader);
  if (first.status < 300 || first.status >= 400 || !first.location) return [first];
  return [first, await timedPoll(new URL(first.location, url).toString(), stack.sessionHeader)];
}

/**
 * One GET on a new connection. A config change can reset a fresh connection before any answer
 * (README, "Route changes, WebSockets and connections"); that is recorded as status 0 and the next
 * poll sends the GET again.
 */
async function timedPoll(
  url: string,
  headers: Record<string, string>,
): Promise<Poll & { location?: string }> {
  const at = Date.now();
  try {
    const { status, ms, location } = await timedRequest(url, { headers });
    return { at, status, ms, ...(location ? { location } : {}) };
  } catch (error) {
    if (!isConnectionReset(error)) throw error;
    return { at, status: 0, ms: Date.now() - at };
  }
}

async function oneRun(stack: RunningStack, name: string): Promise<Run> {
  const startedAt = Date.now();
  const created = await timedRequest(`${stack.controlPlaneUrl}/api/workspaces`, {
    method: 'POST',
    headers: { ...stack.authHeader, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  const apiDoneAt = Date.now();
  if (created.status !== 201) throw new Error(`create answered ${created.status}: ${created.body}`);
  const { id } = JSON.parse(created.body) as { id: string };
  const polls: Poll[] = [];
  const deadline = Date.now() + 300_000;
  for (;;) {
    const made = await pollIde(stack, name);
    polls.push(...made);
    if (made.at(-1)?.status === 200) break;
    if (Date.now() > deadline) throw new Error(`${name}: the IDE did not answer 200 within 5 minutes`);
    await sleep(10);
  }
  const ideAt = Date.now();
  const db = openDatabase(dataDirLayout(stack.dataDir).database);
  let history: { phase: string; at: string }[];
  try {
    history = new WorkspaceStore(db).phaseHistory(id);
  } finally {
    db.close();
  }
  const at = (phase: string) => {
    const entry = history.find((h) => h.phase === phase);
    if (!entry) throw new Error(`${name}: no ${phase} phase recorded (${JSON.stringify(history)})`);
    return Date.parse(entry.at);
  };
  const phases = {
    api: apiDoneAt - startedAt,
    queue: at('vm_creating') - at('queued'),
    vmCreate: at('vm_starting') - at('vm_creating'),
    vmStart: at('ide_starting') - at('vm_starting'),
    guestAndIde: at('routing') - at('ide_starting'),
    route: at('ready') - at('routing'),
  };
  // The edge answers 404 until the route is in; the first other answer came from code-server.
  const reached = polls.find((p) => p.status !== 404 && p.status !== 0);
  const reachedAt = Math.max(reached?.at ?? ideAt, at('ready'));
  const timings: Record<PhaseKey, number> = {
    ...phases,
    edgeWait: reachedAt - at('ready'),
    firstPage: ideAt - reachedAt,
  };
  const sleepRun = await suspendAndResume(stack, id, name, async () => {
    for (let i = 0; (await pollIde(stack, name)).at(-1)?.status !== 200; i++) {
      if (i > 30_000) throw new Error(`${name}: the IDE did not answer 200 after resume`);
      await sleep(10);
    }
  });
  // Delete and wait until it is gone, so runs do not overlap on this 2-core machine.
  const removed = await timedRequest(`${stack.controlPlaneUrl}/api/workspaces/${id}`, {
    method: 'DELETE',
    headers: stack.authHeader,
  });
  if (removed.status >= 300) throw new Error(`delete answered ${removed.status}: ${removed.body}`);
  for (let i = 0; ; i++) {
    const r = await timedRequest(`${stack.controlPlaneUrl}/api/workspaces/${id}`, {
      headers: stack.authHeader,
    });
    if (r.status === 404) break;
    if (i > 600) throw new Error(`${name} was not deleted within 2 minutes`);
    await sleep(200);
  }
  // The requests after the route was in place: the slowest shows what the edge phase waited on.
  const afterRoute = polls.filter((p) => p.at + p.ms >= at('ready'));
  return {
    phases: timings,
    totalMs: ideAt - startedAt,
    polls: polls.length,
    resets: polls.filter((p) => p.status === 0).length,
    answersAfterRoute: afterRoute.map((p) => `${p.status} in ${Math.round(p.ms)} ms`),
    sleep: sleepRun,
  };
}

export const readyTime: Benchmark = {
  name: 'ready-time',
  description:
    'POST /api/workspaces to the IDE answering 200 through Caddy, by phase; then suspend, and resume to IDE 200 (qemu)',
  async run({ quick, caddyBinary, log, resultsDir }) {
    const parameters = {
      runs: quick ? 1 : 3,
      runtime: 'qemu',
      pollEveryMs: 10,
      phaseTimes:
        'API: measured by the client; the others from the workspace_phases table (each phase change timestamped by the writer), and the IDE’s first 200 by the client',
      stack: 'rockpool up (Caddy, server, worker) with a temporary data dir and free ports',
      guestMemory: 'the server default (2 CPUs / 2048 MiB on this machine)',
      sleep:
        'after each create: a `sleep 10000 &` started through the guest agent, POST suspend polled every 10 ms until suspended, then POST start until the IDE answers 200 through the edge',
    };
    const stack = await startStack({
      caddyBinary,
      env: { ROCKPOOL_RATE_LIMITS: JSON.stringify({ apiWrite: [{ window: '1m', maxEvents: 1000 }] }) },
    });
    const runs: Run[] = [];
    try {
      for (let i = 0; i < parameters.runs; i++) {
        const run = await oneRun(stack, `ready-${i}`);
        runs.push(run);
        log(`run ${i + 1}: ${Math.round(run.totalMs)} ms (${JSON.stringify(run.phases)})`);
      }
    } finally {
      const { leftoverVms } = await stack.stop();
      if (leftoverVms > 0) log(`WARNING: ${leftoverVms} VM(s) were left running and have been killed`);
    }
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
    const sleepReport = reportSuspendResume(runs.map((r) => r.sleep));
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
      ...sleepReport.targets,
    ];
    const plots = [
      await plot({
        dir: resultsDir,
        file: 'ready-time.png',
        title: `Ready time by phase (median of ${runs.length}, qemu)`,
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
    ];
    const notes = runs.map(
      (r, i) =>
        `run ${i + 1}: ${r.polls} polls (${r.resets} reset by a config change and sent again); requests once the route was in: ${r.answersAfterRoute.join(', ')}`,
    );
    return { parameters, figures, targets, plots, notes, tables };
  },
};
