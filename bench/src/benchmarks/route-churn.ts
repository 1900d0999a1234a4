import type { WorkspaceRouteOptions } from '@rockpool/caddy';
import { TEST_GATE_SECRET } from '@rockpool/caddy/testing';
import { startBenchEdge } from '../lib/edge.js';
import { plot } from '../lib/plot.js';
import type { Figure, TargetCheck } from '../lib/results.js';
import { median, percentile, round } from '../lib/stats.js';
import type { Benchmark } from './types.js';

/** A workspace with two registered ports, like the probe we add and remove. */
function workspace(name: string, i: number, withPorts = true): WorkspaceRouteOptions {
  const port = 20000 + (i % 20000);
  return {
    name,
    upstream: `127.0.0.1:${port}`,
    gateSecret: TEST_GATE_SECRET,
    owner: `user-${i % 50}`,
    ports: withPorts ? [{ port: 3000 }, { port: 8000, sharing: 'authenticated' }] : [],
  };
}

async function timed(action: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await action();
  return performance.now() - start;
}

export const routeChurn: Benchmark = {
  name: 'route-churn',
  description: 'Adding and removing one workspace route (two port routes) with N routes already loaded',
  async run({ quick, log, resultsDir }) {
    const sizes = quick ? [10, 100, 1000] : [10, 100, 1000, 2000];
    const pairsFor = (n: number) => (quick ? 3 : n >= 2000 ? 8 : n >= 1000 ? 12 : 20);
    const parameters = {
      loadedRoutes: sizes,
      pairsPerSize: Object.fromEntries(sizes.map((n) => [n, pairsFor(n)])),
      routeShape:
        'every loaded route and the probe: one workspace entry with two of its five port slots filled',
      how: 'N routes loaded in one guarded write (WorkspaceRouter.sync); then WorkspaceRouter.putWorkspace and removeWorkspace of a probe, timed from the client until Caddy answered',
    };
    await using edge = await startBenchEdge();
    const figures: Figure[] = [];
    const rows: (string | number)[][] = [];
    const curve = { add: [] as [number, number][], remove: [] as [number, number][] };
    let addAt1000 = Number.NaN;
    for (const n of sizes) {
      const loadMs = await timed(() =>
        edge.router.sync(Array.from({ length: n }, (_, i) => workspace(`loaded-${i}`, i))),
      );
      const listed = await edge.router.list();
      if (listed.length !== n) throw new Error(`expected ${n} routes in Caddy, found ${listed.length}`);
      const add: number[] = [];
      const remove: number[] = [];
      for (let i = 0; i < pairsFor(n); i++) {
        add.push(await timed(() => edge.router.putWorkspace(workspace('probe', n + i))));
        remove.push(await timed(() => edge.router.removeWorkspace('probe')));
      }
      const labels = { loadedRoutes: n };
      figures.push(
        { name: 'add median', value: round(median(add), 2), unit: 'ms', labels },
        { name: 'add p90', value: round(percentile(add, 90), 2), unit: 'ms', labels },
        { name: 'remove median', value: round(median(remove), 2), unit: 'ms', labels },
        { name: 'remove p90', value: round(percentile(remove, 90), 2), unit: 'ms', labels },
        { name: 'load all N routes in one write', value: round(loadMs, 1), unit: 'ms', labels },
      );
      rows.push([n, median(add), percentile(add, 90), median(remove), percentile(remove, 90), loadMs]);
      curve.add.push([n, median(add)]);
      curve.remove.push([n, median(remove)]);
      if (n === 1000) addAt1000 = median(add);
      log(`N=${n}: add median ${round(median(add), 1)} ms, remove median ${round(median(remove), 1)} ms`);
    }
    // Attribution: the same at 1000 routes without ports (all five slots empty).
    await edge.router.sync(Array.from({ length: 1000 }, (_, i) => workspace(`loaded-${i}`, i, false)));
    const ideOnly: number[] = [];
    for (let i = 0; i < pairsFor(1000); i++) {
      ideOnly.push(await timed(() => edge.router.putWorkspace(workspace('probe', i))));
      await edge.router.removeWorkspace('probe');
    }
    figures.push({
      name: 'add median, loaded routes without port routes',
      value: round(median(ideOnly), 2),
      unit: 'ms',
      labels: { loadedRoutes: 1000 },
    });
    rows.push(['1000 (no port routes)', median(ideOnly), percentile(ideOnly, 90), '-', '-', '-']);
    log(`N=1000 without port routes: add median ${round(median(ideOnly), 1)} ms`);
    // Growth per loaded route, from the two largest sizes (least affected by fixed costs).
    const [a, b] = curve.add.slice(-2) as [[number, number], [number, number]];
    const perRoute = (b[1] - a[1]) / (b[0] - a[0]);
    figures.push({ name: 'add: growth per loaded route', value: round(perRoute, 4), unit: 'ms/route' });
    const targets: TargetCheck[] = Number.isNaN(addAt1000)
      ? []
      : [
          {
            name: 'add a route at 1000 existing routes (median)',
            target: '< 50 ms',
            measured: round(addAt1000, 1),
            unit: 'ms',
            met: addAt1000 < 50,
            note: 'Caddy rebuilds (provisions) the whole config on every admin change; the cost is linear in the loaded routes',
          },
        ];
    const plots = [
      await plot({
        dir: resultsDir,
        file: 'route-churn.png',
        title: 'One route change vs routes already loaded (median)',
        xLabel: 'workspace routes already loaded (each with 2 port routes)',
        yLabel: 'ms',
        series: [
          { title: 'add workspace route', points: curve.add },
          { title: 'remove workspace route', points: curve.remove },
        ],
      }),
    ];
    const tables = [
      [['N', 'add p50 ms', 'add p90 ms', 'remove p50 ms', 'remove p90 ms', 'load N ms'], ...rows],
    ];
    const notes = [`growth: ${round(perRoute, 4)} ms per loaded route (add, between the two largest N)`];
    return { parameters, figures, targets, plots, notes, tables };
  },
};
