import { TEST_GATE_SECRET } from '@rockpool/caddy/testing';
import { BENCH_USER, startBenchEdge, BENCH_WORKSPACE as WORKSPACE } from '../lib/edge.js';
import { plot } from '../lib/plot.js';
import type { Figure, TargetCheck } from '../lib/results.js';
import { median, percentile, round } from '../lib/stats.js';
import { RESPONSE_SIZES, type ResponseSize, startFixedUpstream, timedRequest } from '../lib/upstream.js';
import { runWrk, type WrkResult } from '../lib/wrk.js';
import type { Benchmark } from './types.js';

const TARGETS = ['direct', 'bare-caddy', 'session-only', 'route-only', 'rockpool'] as const;
type Target = (typeof TARGETS)[number];

export const proxyOverhead: Benchmark = {
  name: 'proxy-overhead',
  description:
    'One upstream served directly, through a bare Caddy reverse_proxy, behind the session check alone, and through a Rockpool workspace route (session + rate limits)',
  async run({ quick, log, resultsDir }) {
    const parameters = {
      tool: 'wrk 4.1 (keep-alive connections)',
      durationS: quick ? 3 : 10,
      warmupS: quick ? 1 : 2,
      concurrency: [1, quick ? 16 : 32],
      responseBytes: RESPONSE_SIZES,
      firstRequestRounds: quick ? 5 : 15,
      auth: 'a signed-in session (HMAC JWT cookie), as a browser sends it; bcrypt cost 10 at sign-in only',
      rateLimits:
        'workspace and clientIpWorkspaces zones configured at 1,000,000 events/min (never refusing)',
    };
    await using upstream = await startFixedUpstream();
    await using edge = await startBenchEdge({ bareUpstream: upstream.address });
    await edge.router.putWorkspace({
      name: WORKSPACE,
      upstream: upstream.address,
      gateSecret: TEST_GATE_SECRET,
      owner: BENCH_USER.username,
    });
    const urlOf = (target: Target, size: ResponseSize): string =>
      target === 'direct'
        ? `${upstream.url}/${size}`
        : target === 'bare-caddy'
          ? `${edge.bareUrl}/${size}`
          : target === 'session-only'
            ? `${edge.sessionOnlyUrl}/${size}`
            : target === 'route-only'
              ? `${edge.routeOnlyUrl}/workspace/${WORKSPACE}/${size}`
              : `${edge.workspacesUrl}/workspace/${WORKSPACE}/${size}`;
    const headersOf = (target: Target) =>
      target === 'rockpool' || target === 'session-only' ? edge.sessionHeader : {};

    for (const target of TARGETS) {
      const check = await timedRequest(urlOf(target, 'large'), { headers: headersOf(target) });
      if (check.status !== 200 || check.body.length !== RESPONSE_SIZES.large)
        throw new Error(`${target} answered ${check.status} with ${check.body.length} bytes`);
    }

    const results = new Map<string, WrkResult>();
    const key = (target: Target, size: ResponseSize, connections: number) =>
      `${target}/${size}/${connections}`;
    // Targets interleaved per configuration, so drift in the machine's load hits all three alike.
    for (const size of Object.keys(RESPONSE_SIZES) as ResponseSize[])
      for (const connections of parameters.concurrency)
        for (const target of TARGETS) {
          const wrk = { url: urlOf(target, size), connections, headers: headersOf(target) };
          await runWrk({ ...wrk, durationS: parameters.warmupS });
          const result = await runWrk({ ...wrk, durationS: parameters.durationS });
          if (result.non2xx > 0 || result.socketErrors > 0)
            throw new Error(
              `${target} ${size} c${connections}: ${result.non2xx} non-2xx, ${result.socketErrors} socket errors`,
            );
          results.set(key(target, size, connections), result);
          log(
            `${target} ${size} c${connections}: p50 ${round(result.p50Ms)} ms, p99 ${round(result.p99Ms)} ms, ${Math.round(result.requestsPerSecond)} req/s`,
          );
        }

    // The first authenticated request after a route change, on a new connection, then a second one.
    const first: number[] = [];
    const second: number[] = [];
    const url = urlOf('rockpool', 'small');
    for (let round = 0; round < parameters.firstRequestRounds; round++) {
      await edge.router.putWorkspace({
        name: `churn-${round}`,
        upstream: upstream.address,
        gateSecret: TEST_GATE_SECRET,
        owner: BENCH_USER.username,
        ports: [{ port: 3000 }],
      });
      const a = await timedRequest(url, { headers: edge.sessionHeader });
      const b = await timedRequest(url, { headers: edge.sessionHeader });
      if (a.status !== 200 || b.status !== 200)
        throw new Error(`after a route change: ${a.status}, ${b.status}`);
      first.push(a.ms);
      second.push(b.ms);
      await edge.router.removeWorkspace(`churn-${round}`);
    }

    const [low, high] = parameters.concurrency as [number, number];
    const figures: Figure[] = [];
    const get = (target: Target, size: ResponseSize, connections: number) =>
      results.get(key(target, size, connections)) as WrkResult;
    for (const [k, r] of results) {
      const [target, size, connections] = k.split('/') as [string, string, string];
      const labels = { target, size, concurrency: Number(connections) };
      figures.push(
        { name: 'latency p50', value: round(r.p50Ms, 4), unit: 'ms', labels },
        { name: 'latency p99', value: round(r.p99Ms, 4), unit: 'ms', labels },
        { name: 'throughput', value: Math.round(r.requestsPerSecond), unit: 'req/s', labels },
      );
    }
    const ratioRows: (string | number)[][] = [];
    for (const size of Object.keys(RESPONSE_SIZES) as ResponseSize[])
      for (const connections of parameters.concurrency) {
        const [d, b, s, o, r] = TARGETS.map((t) => get(t, size, connections)) as [
          WrkResult,
          WrkResult,
          WrkResult,
          WrkResult,
          WrkResult,
        ];
        const labels = { size, concurrency: connections };
        const ratios = {
          'p50 rockpool/bare': r.p50Ms / b.p50Ms,
          'p50 rockpool/direct': r.p50Ms / d.p50Ms,
          'p99 rockpool/bare': r.p99Ms / b.p99Ms,
          'p99 rockpool/direct': r.p99Ms / d.p99Ms,
          'throughput rockpool/bare': r.requestsPerSecond / b.requestsPerSecond,
          'throughput rockpool/direct': r.requestsPerSecond / d.requestsPerSecond,
        };
        for (const [name, value] of Object.entries(ratios))
          figures.push({ name, value: round(value, 3), unit: 'ratio', labels });
        figures.push(
          { name: 'p50 added by bare caddy', value: round(b.p50Ms - d.p50Ms, 4), unit: 'ms', labels },
          { name: 'p50 added by the session check', value: round(s.p50Ms - b.p50Ms, 4), unit: 'ms', labels },
          {
            name: 'p50 added by rockpool over bare caddy',
            value: round(r.p50Ms - b.p50Ms, 4),
            unit: 'ms',
            labels,
          },
        );
        ratioRows.push([
          size,
          connections,
          r.p50Ms - b.p50Ms,
          s.p50Ms - b.p50Ms,
          o.p50Ms - b.p50Ms,
          ratios['p50 rockpool/bare'],
          ratios['p50 rockpool/direct'],
          o.requestsPerSecond / b.requestsPerSecond,
          ratios['throughput rockpool/bare'],
          ratios['throughput rockpool/direct'],
        ]);
      }
    const firstMedian = median(first);
    const secondMedian = median(second);
    figures.push(
      {
        name: 'first authenticated request after a route change, median',
        value: round(firstMedian),
        unit: 'ms',
      },
      {
        name: 'first authenticated request after a route change, p90',
        value: round(percentile(first, 90)),
        unit: 'ms',
      },
      { name: 'second request (session cached), median', value: round(secondMedian), unit: 'ms' },
    );

    const addedSmall = get('rockpool', 'small', low).p50Ms - get('bare-caddy', 'small', low).p50Ms;
    const throughputSmall =
      get('rockpool', 'small', high).requestsPerSecond / get('bare-caddy', 'small', high).requestsPerSecond;
    const targets: TargetCheck[] = [
      {
        name: 'p50 added over a bare Caddy hop, c1, 100 B',
        target: '<= 0.05 ms',
        measured: round(addedSmall, 4),
        unit: 'ms',
        met: addedSmall <= 0.05,
      },
      {
        name: `throughput vs bare Caddy, c${high}, 100 B`,
        target: '>= 0.90',
        measured: round(throughputSmall, 3),
        unit: 'ratio',
        met: throughputSmall >= 0.9,
      },
      {
        name: 'first authenticated request after a route change (median)',
        target: '< 5 ms',
        measured: round(firstMedian, 2),
        unit: 'ms',
        met: firstMedian < 5,
        note: `with a session cookie: every route change rebuilds caddy-security's policies and empties their token cache, so the next request verifies the session's HMAC again (bcrypt is paid once, at sign-in); the same request with the session cached took ${round(secondMedian, 2)} ms`,
      },
    ];

    const plots = [
      await plot({
        dir: resultsDir,
        file: 'proxy-overhead.png',
        title: `p50 latency at concurrency 1 and ${high} (100 B and 100 KB responses)`,
        xLabel: 'response size and concurrency',
        yLabel: 'p50 latency (ms)',
        style: 'points',
        categories: (['small', 'large'] as ResponseSize[]).flatMap((size) =>
          [low, high].map((c) => `${size === 'small' ? '100 B' : '100 KB'}, c${c}`),
        ),
        series: TARGETS.map((target) => ({
          title: target,
          points: (['small', 'large'] as ResponseSize[]).flatMap((size, i) =>
            [low, high].map((c, j) => [i * 2 + j + 1, get(target, size, c).p50Ms] as [number, number]),
          ),
        })),
      }),
    ];

    const tables = [
      [
        ['size', 'conc', 'target', 'p50 ms', 'p99 ms', 'req/s'],
        ...[...results].map(([k, r]) => {
          const [target, size, connections] = k.split('/') as [string, string, string];
          return [size, connections, target, r.p50Ms, r.p99Ms, Math.round(r.requestsPerSecond)];
        }),
      ],
      [
        [
          'size',
          'conc',
          'p50 added vs bare (ms)',
          'session check alone (ms)',
          'route alone (ms)',
          'p50 r/bare',
          'p50 r/direct',
          'rps route-only/bare',
          'rps r/bare',
          'rps r/direct',
        ],
        ...ratioRows,
      ],
    ];
    const sessionSmall = get('session-only', 'small', low).p50Ms - get('bare-caddy', 'small', low).p50Ms;
    const notes = [
      `first request with a session after a route change: median ${round(firstMedian, 2)} ms, p90 ${round(percentile(first, 90), 2)} ms; the next one: ${round(secondMedian, 2)} ms`,
      `the session check alone adds ${round(sessionSmall, 4)} ms p50 over a bare Caddy hop (c${low}, 100 B)`,
    ];
    return { parameters, figures, targets, plots, notes, tables };
  },
};
