import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { openDatabase, UserStore, WorkspaceStore } from '@rockpool/db';
import { dataDirLayout } from '@rockpool/model/data-dir';
import { startBenchEdge } from '../lib/edge.js';
import type { Figure } from '../lib/results.js';
import { median, percentile, round } from '../lib/stats.js';
import { timedRequest } from '../lib/upstream.js';
import { runWrk } from '../lib/wrk.js';
import type { Benchmark } from './types.js';

/** 1000 workspaces as the API would have left them: running, with a forwarded port on every other. */
function seed(databaseFile: string, count: number): void {
  const db = openDatabase(databaseFile);
  try {
    const store = new WorkspaceStore(db);
    db.transaction(() => {
      for (let i = 0; i < count; i++) {
        const ws = store.insert({
          name: `seeded-${String(i).padStart(4, '0')}`,
          cpus: 1,
          memoryMiB: 1024,
          owner: 'bench',
        });
        store.transition(ws.id, ['creating'], { state: 'running', phase: 'ready' });
        if (i % 2 === 0)
          db.prepare('INSERT INTO ports (workspace_id, port, created_at) VALUES (?, 3000, ?)').run(
            ws.id,
            ws.createdAt,
          );
      }
    })();
  } finally {
    db.close();
  }
}

async function startServer(dataDir: string): Promise<{ child: ChildProcess; stop(): Promise<void> }> {
  const log = createWriteStream(join(dataDir, 'server.log'));
  await new Promise((resolve) => log.once('open', resolve));
  const child = spawn(process.execPath, [fileURLToPath(import.meta.resolve('@rockpool/server/main'))], {
    env: { ...process.env, ROCKPOOL_DATA_DIR: dataDir },
    stdio: ['ignore', log, log],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    stop: async () => {
      if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGTERM');
      await Promise.race([exited, sleep(10_000, undefined, { ref: false })]);
      if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
      log.end();
    },
  };
}

export const api: Benchmark = {
  name: 'api',
  description: 'List and create latency through Caddy with 1000 workspaces in the database',
  async run({ quick, log }) {
    const parameters = {
      seededWorkspaces: 1000,
      listDurationS: quick ? 3 : 10,
      listConcurrency: [1, 8],
      listPages: ['default page (50)', 'limit=200', 'one by name'],
      creates: quick ? 10 : 50,
      path: 'client -> Caddy srv0 (auth, rate limits, cross-origin check) -> server on its unix socket -> SQLite',
      worker: 'not running: a create answers 201 after writing the row and enqueueing the job',
      rateLimits: 'apiRead and apiWrite raised to 1,000,000/min so no request is refused',
    };
    const dataDir = await mkdtemp(join(tmpdir(), 'rockpool-bench-api-'));
    try {
      seed(dataDirLayout(dataDir).database, parameters.seededWorkspaces);
      await using edge = await startBenchEdge({
        controlPlaneUpstream: `unix/${dataDirLayout(dataDir).serverSocket}`,
        rateLimits: {
          apiRead: [{ window: '1m', maxEvents: 1_000_000 }],
          apiWrite: [{ window: '1m', maxEvents: 1_000_000 }],
          clientIpControlPlane: [{ window: '1m', maxEvents: 1_000_000 }],
        },
      });
      // Basic auth on srv0 is checked by the control plane: it needs the user and the signing key.
      const db = openDatabase(dataDirLayout(dataDir).database);
      try {
        new UserStore(db).add({
          name: edge.account.username,
          role: 'admin',
          passwordHash: edge.account.passwordHash,
        });
      } finally {
        db.close();
      }
      await writeFile(dataDirLayout(dataDir).sessionSigningKey, edge.signingKey, { mode: 0o600 });
      const server = await startServer(dataDir);
      try {
        const listUrl = `${edge.controlPlaneUrl}/api/workspaces`;
        for (let i = 0; ; i++) {
          const probe = await timedRequest(listUrl, { headers: edge.basicAuthHeader }).catch(() => undefined);
          if (probe?.status === 200) {
            const page = JSON.parse(probe.body) as { items: unknown[] };
            if (page.items.length !== 50) throw new Error(`expected a page of 50, got ${page.items.length}`);
            break;
          }
          if (i > 200) throw new Error(`the server did not answer (see ${join(dataDir, 'server.log')})`);
          await sleep(100);
        }
        const figures: Figure[] = [];
        const rows: (string | number)[][] = [];
        const lists = {
          'list (page of 50)': listUrl,
          'list (limit=200)': `${listUrl}?limit=200`,
          'get one by name': `${listUrl}/seeded-0500`,
        };
        for (const [name, url] of Object.entries(lists))
          for (const connections of parameters.listConcurrency) {
            await runWrk({ url, connections, durationS: 1, headers: edge.basicAuthHeader });
            const r = await runWrk({
              url,
              connections,
              durationS: parameters.listDurationS,
              headers: edge.basicAuthHeader,
            });
            if (r.non2xx > 0) throw new Error(`${name}: ${r.non2xx} non-2xx answers`);
            const labels = { request: name, concurrency: connections };
            figures.push(
              { name: 'latency p50', value: round(r.p50Ms), unit: 'ms', labels },
              { name: 'latency p99', value: round(r.p99Ms), unit: 'ms', labels },
              { name: 'throughput', value: Math.round(r.requestsPerSecond), unit: 'req/s', labels },
            );
            rows.push([name, connections, r.p50Ms, r.p99Ms, Math.round(r.requestsPerSecond)]);
            log(`${name} c${connections}: p50 ${round(r.p50Ms)} ms`);
          }
        const creates: number[] = [];
        for (let i = 0; i < parameters.creates; i++) {
          const r = await timedRequest(`${edge.controlPlaneUrl}/api/workspaces`, {
            method: 'POST',
            headers: { ...edge.basicAuthHeader, 'Content-Type': 'application/json' },
            body: JSON.stringify({ name: `created-${i}` }),
          });
          if (r.status !== 201) throw new Error(`create answered ${r.status}: ${r.body}`);
          creates.push(r.ms);
        }
        const labels = { request: 'create', concurrency: 1 };
        figures.push(
          { name: 'latency p50', value: round(median(creates)), unit: 'ms', labels },
          { name: 'latency p90', value: round(percentile(creates, 90)), unit: 'ms', labels },
        );
        rows.push(['create (new connection each)', 1, median(creates), percentile(creates, 90), '-']);
        const tables = [[['request', 'conc', 'p50 ms', 'p99 ms (create: p90)', 'req/s'], ...rows]];
        return { parameters, figures, targets: [], plots: [], notes: [], tables };
      } finally {
        await server.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  },
};
