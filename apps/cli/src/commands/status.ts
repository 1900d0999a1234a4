import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { type CaddyConfig, CaddyUnreachableError, workspaceRoutesOf } from '@rockpool/caddy';
import { describeIdle, type WorkspaceState } from '@rockpool/model';
import { dataDirLayout } from '@rockpool/model/data-dir';
import { loadSettings } from '../config-file.js';
import { getFromServerSocket } from '../server-socket.js';
import type { CommandIo } from './init.js';
import { adminClientFor } from './reconfigure.js';
import { publicUrls } from './up.js';

export interface Status {
  running: boolean;
  tls: string;
  access: string;
  allow: string[];
  urls: { controlPlane: string; workspaces: string };
  ports: { controlPlane: number; workspaces: number; http: number };
  /** Workspaces routed to their VM at the edge (running ones), when Rockpool runs. */
  workspaceRoutes?: string[];
  /** Workspaces in the control plane's database by state, when its server answers. */
  workspaces?: {
    total: number;
    byState: Record<string, number>;
    /** Suspended workspaces by name: memory on disk, no CPU or RAM used; start resumes them. */
    suspended: string[];
    /** Each running workspace's idle time and when it suspends ("idle for 12 min, suspends in 48 min"). */
    idle: { name: string; text: string }[];
  };
  /** What the worker found about its VM runtime when it started (tart: the network, warnings). */
  runtime?: { runtime: string; network: string; warnings: string[] };
}

/** The worker's runtime report (`dataDirLayout().runtimeReport`), if it wrote one. */
async function readRuntimeReport(dataDir: string): Promise<Status['runtime']> {
  const text = await readFile(dataDirLayout(dataDir).runtimeReport, 'utf8').catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    },
  );
  return text === undefined ? undefined : (JSON.parse(text) as Status['runtime']);
}

/** The status lines about the VM runtime: the guests' network, and every warning in full. */
export function runtimeLines(runtime: Status['runtime']): string[] {
  if (!runtime) return [];
  const network = runtime.network === 'softnet' ? 'softnet (guests isolated from each other)' : 'shared NAT';
  return [
    `  VM runtime:  ${runtime.runtime}, network ${network}`,
    ...runtime.warnings.map((warning) => `  WARNING: ${warning}`),
  ];
}

interface WorkspacePage {
  items: { name: string; state: WorkspaceState; idleTimeoutMinutes: number; activeAt: string | null }[];
  nextCursor: string | null;
}

async function getFromServer<T>(dataDir: string, path: string): Promise<T> {
  const { status, body } = await getFromServerSocket(dataDirLayout(dataDir).serverSocket, path);
  if (status !== 200) throw new Error(`${path} answered ${status}`);
  return body as T;
}

async function countWorkspaces(dataDir: string, now: number): Promise<Status['workspaces']> {
  const byState: Record<string, number> = {};
  const suspended: string[] = [];
  const idle: { name: string; text: string }[] = [];
  let total = 0;
  let cursor: string | null = null;
  do {
    const query: string = `/api/workspaces?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page: WorkspacePage = await getFromServer<WorkspacePage>(dataDir, query);
    for (const workspace of page.items) {
      const { name, state } = workspace;
      byState[state] = (byState[state] ?? 0) + 1;
      if (state === 'suspended') suspended.push(name);
      const text = describeIdle(workspace, now);
      if (text) idle.push({ name, text });
    }
    total += page.items.length;
    cursor = page.nextCursor;
  } while (cursor);
  return { total, byState, suspended, idle };
}

/** What `rockpool status` reports, read from the config file and the running Caddy. */
export async function readStatus(env: NodeJS.ProcessEnv): Promise<Status> {
  const settings = await loadSettings({ ROCKPOOL_CADDY_BIN: 'caddy', ...env });
  const base: Status = {
    running: false,
    tls: settings.tls.mode,
    access: settings.access.mode,
    allow: settings.access.allow,
    urls: publicUrls(settings),
    ports: {
      controlPlane: settings.controlPlanePort,
      workspaces: settings.workspacePort,
      http: settings.httpPort,
    },
  };
  try {
    const { value } = await adminClientFor(settings.dataDir).getConfig<CaddyConfig>('');
    // A sleeping workspace's route leads to the wake handler, not to a VM: it is not running.
    const wake = `unix/${dataDirLayout(settings.dataDir).wakeSocket}`;
    const names = workspaceRoutesOf(value)
      .filter((route) => route.upstream !== wake)
      .map((route) => route.name);
    // The server may be restarting while Caddy runs: the counts are then left out, not an error.
    const workspaces = await countWorkspaces(settings.dataDir, Date.now()).catch(() => undefined);
    const runtime = await readRuntimeReport(settings.dataDir);
    return {
      ...base,
      running: true,
      workspaceRoutes: names,
      ...(workspaces ? { workspaces } : {}),
      ...(runtime ? { runtime } : {}),
    };
  } catch (error) {
    if (error instanceof CaddyUnreachableError) return base;
    throw error;
  }
}

/** `rockpool status` for people. */
export function formatStatus(s: Status): string {
  return [
    s.running ? 'Rockpool is running.' : 'Rockpool is not running (start it with `rockpool up`).',
    `  TLS:         ${s.tls}`,
    `  Access:      ${s.access}${s.allow.length ? ` (allow ${s.allow.join(', ')})` : ''}`,
    `  Dashboard:   ${s.urls.controlPlane}/app/`,
    `  Workspaces:  ${s.urls.workspaces}/workspace/{name}/`,
    ...(s.workspaceRoutes
      ? [
          `  Running workspaces: ${s.workspaceRoutes.length}${s.workspaceRoutes.length ? ` (${s.workspaceRoutes.join(', ')})` : ''}`,
        ]
      : []),
    ...(s.workspaces?.idle ?? []).map(({ name, text }) => `    ${name}: ${text}`),
    ...(s.workspaces
      ? [
          `  Suspended workspaces: ${s.workspaces.suspended.length}${s.workspaces.suspended.length ? ` (${s.workspaces.suspended.join(', ')})` : ''}`,
        ]
      : []),
    ...runtimeLines(s.runtime),
    '',
  ].join('\n');
}

export async function status(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean' } }, strict: true });
  const s = await readStatus(io.env);
  if (values.json) {
    io.output.write(`${JSON.stringify(s, null, 2)}\n`);
    return s.running ? 0 : 3;
  }
  io.output.write(formatStatus(s));
  // Like `systemctl status`: 3 when not running, so scripts can test it.
  return s.running ? 0 : 3;
}
