import { setTimeout as sleep } from 'node:timers/promises';
import { startEchoUpstream, TEST_GATE_SECRET } from '@rockpool/caddy/testing';
import WebSocket from 'ws';
import { BENCH_USER, type BenchEdge, startBenchEdge } from '../lib/edge.js';
import type { Figure, TargetCheck } from '../lib/results.js';
import { percentile, round } from '../lib/stats.js';
import type { Benchmark } from './types.js';

interface Probe {
  socket: WebSocket;
  closedWith: number | undefined;
  pending: Map<number, number>;
}

interface Case {
  sockets: number;
  changes: number;
  /** The control case: an edge with Caddy's default, which closes streams on every change. */
  streamCloseDelay?: 0;
}

interface CaseResult {
  drops: number;
  lostMessages: number;
  baseline: number[];
  duringChurn: number[];
  churnMs: number;
}

/** NaN (printed `-`, written `null`) when nothing was echoed, e.g. every socket closed. */
function maxOf(values: number[]): number {
  return values.length > 0 ? Math.max(...values) : Number.NaN;
}

async function openProbe(url: string, headers: Record<string, string>): Promise<Probe> {
  const socket = new WebSocket(url, { headers });
  const probe: Probe = { socket, closedWith: undefined, pending: new Map() };
  socket.on('close', (code) => {
    probe.closedWith = code;
  });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return probe;
}

async function runCase(edge: BenchEdge, upstream: string, c: Case, pingEveryMs: number): Promise<CaseResult> {
  const name = c.streamCloseDelay === 0 ? 'wsnodelay' : 'ws';
  await edge.router.putWorkspace({
    name,
    upstream,
    gateSecret: TEST_GATE_SECRET,
    owner: BENCH_USER.username,
    ports: [{ port: 3000 }],
  });
  const base = edge.workspacesUrl.replace('http', 'ws');
  const probes: Probe[] = [];
  for (let i = 0; i < c.sockets; i++)
    // Half on the IDE route, half on a port route.
    probes.push(
      await openProbe(
        `${base}/workspace/${name}/${i % 2 ? 'port/3000/' : ''}socket-${i}`,
        edge.sessionHeader,
      ),
    );
  type Phase = 'baseline' | 'churn' | 'settle';
  let phase = 'baseline' as Phase;
  const latencies: Record<Phase, number[]> = { baseline: [], churn: [], settle: [] };
  let seq = 0;
  for (const probe of probes)
    probe.socket.on('message', (data) => {
      const sentAt = probe.pending.get(Number(data.toString()));
      if (sentAt === undefined) return;
      probe.pending.delete(Number(data.toString()));
      latencies[phase].push(performance.now() - sentAt);
    });
  const pinger = setInterval(() => {
    for (const probe of probes) {
      if (probe.socket.readyState !== WebSocket.OPEN) continue;
      const id = seq++;
      probe.pending.set(id, performance.now());
      probe.socket.send(String(id));
    }
  }, pingEveryMs);
  await sleep(1000);
  phase = 'churn';
  const churnStart = performance.now();
  for (let i = 0; i < c.changes; i++) {
    // Alternate unrelated changes with changes to the very route the sockets go through.
    switch (i % 4) {
      case 0:
        await edge.router.putWorkspace({
          name: 'other',
          upstream,
          gateSecret: TEST_GATE_SECRET,
          owner: BENCH_USER.username,
        });
        break;
      case 1:
        await edge.router.removeWorkspace('other');
        break;
      case 2:
        await edge.router.putPort({ workspace: name, port: 8000 });
        break;
      default:
        await edge.router.removePort(name, 8000);
    }
  }
  const churnMs = performance.now() - churnStart;
  phase = 'settle';
  await sleep(1000);
  clearInterval(pinger);
  await sleep(500);
  const drops = probes.filter((p) => p.closedWith !== undefined).length;
  // Messages sent on a socket that stayed open and never echoed.
  const lostMessages = probes
    .filter((p) => p.closedWith === undefined)
    .reduce((sum, p) => sum + p.pending.size, 0);
  for (const probe of probes) probe.socket.terminate();
  await edge.router.removeWorkspace('other');
  await edge.router.removeWorkspace(name);
  return { drops, lostMessages, baseline: latencies.baseline, duringChurn: latencies.churn, churnMs };
}

export const wsSurvival: Benchmark = {
  name: 'ws-survival',
  description: 'K WebSockets through srv1 while M route changes happen: drops and echo latency',
  async run({ quick, log }) {
    const cases: Case[] = [
      { sockets: 10, changes: 10 },
      { sockets: 10, changes: 100 },
      { sockets: 100, changes: 10 },
      { sockets: 100, changes: 100 },
      { sockets: 10, changes: 10, streamCloseDelay: 0 },
    ];
    const parameters = {
      cases,
      pingEveryMs: { 10: 20, 100: 100 },
      loadedRoutes: quick ? 10 : 100,
      changes:
        'back to back, alternating: add an unrelated workspace route, remove it, add a port route to the sockets’ own workspace, remove it',
      control:
        'the last case runs on an edge whose workspace proxies have stream_close_delay 0 (Caddy’s default), to show the benchmark detects drops',
    };
    await using upstream = await startEchoUpstream({ name: 'ws-echo' });
    const startLoadedEdge = async (streamCloseDelay?: 0) => {
      const started = await startBenchEdge(
        streamCloseDelay === undefined ? {} : { workspaceProxy: { streamCloseDelay } },
      );
      await started.router.sync(
        Array.from({ length: parameters.loadedRoutes }, (_, i) => ({
          name: `loaded-${i}`,
          upstream: upstream.address,
          gateSecret: TEST_GATE_SECRET,
          owner: BENCH_USER.username,
        })),
      );
      return started;
    };
    await using edge = await startLoadedEdge();
    const figures: Figure[] = [];
    const targets: TargetCheck[] = [];
    const rows: (string | number)[][] = [];
    for (const c of cases) {
      const control = c.streamCloseDelay === 0;
      // stream_close_delay is set for all workspace proxies of an edge: the control case gets its own.
      await using controlEdge = control ? await startLoadedEdge(0) : undefined;
      const result = await runCase(controlEdge ?? edge, upstream.address, c, c.sockets >= 100 ? 100 : 20);
      const labels = { sockets: c.sockets, changes: c.changes, ...(control ? { streamCloseDelay: 0 } : {}) };
      const label = `K=${c.sockets} M=${c.changes}${control ? ' (control: stream_close_delay 0)' : ''}`;
      figures.push(
        { name: 'drops', value: result.drops, unit: 'sockets', labels },
        { name: 'lost messages', value: result.lostMessages, unit: 'messages', labels },
        { name: 'echo p50 before churn', value: round(percentile(result.baseline, 50)), unit: 'ms', labels },
        {
          name: 'echo p50 during churn',
          value: round(percentile(result.duringChurn, 50)),
          unit: 'ms',
          labels,
        },
        {
          name: 'echo p99 during churn',
          value: round(percentile(result.duringChurn, 99)),
          unit: 'ms',
          labels,
        },
        { name: 'echo max during churn', value: round(maxOf(result.duringChurn)), unit: 'ms', labels },
        { name: 'churn duration', value: round(result.churnMs, 1), unit: 'ms', labels },
      );
      if (!control)
        targets.push({
          name: `WebSocket drops, ${label}`,
          target: '0',
          measured: result.drops,
          unit: 'sockets',
          met: result.drops === 0 && result.lostMessages === 0,
        });
      rows.push([
        label,
        result.drops,
        result.lostMessages,
        percentile(result.baseline, 50),
        percentile(result.duringChurn, 50),
        percentile(result.duringChurn, 99),
        maxOf(result.duringChurn),
        result.duringChurn.length,
        result.churnMs,
      ]);
      log(
        `${label}: ${result.drops} drops, ${result.lostMessages} lost, churn took ${Math.round(result.churnMs)} ms`,
      );
    }
    const tables = [
      [
        [
          'case',
          'drops',
          'lost msgs',
          'p50 before ms',
          'p50 churn ms',
          'p99 churn ms',
          'max churn ms',
          'echoes in churn',
          'churn ms',
        ],
        ...rows,
      ],
    ];
    return { parameters, figures, targets, plots: [], notes: [], tables };
  },
};
