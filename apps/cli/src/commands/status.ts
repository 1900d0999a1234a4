import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { type CaddyConfig, CaddyUnreachableError, workspaceRoutesOf } from '@rockpool/caddy';
import { describeIdle, type RoutingMode } from '@rockpool/model';
import { dataDirLayout } from '@rockpool/model/data-dir';
import { loadSettings } from '../config-file.js';
import { controlPlaneFor } from '../control-plane.js';
import { ideUrlPattern, publicUrls } from '../public-urls.js';
import type { CommandIo } from './init.js';
import { adminClientFor } from './reconfigure.js';
import { listWorkspaces } from './workspace.js';

export interface Status {
  running: boolean;
  tls: string;
  access: string;
  allow: string[];
  /** `workspaces` as formatAddressing writes it; `ide` a workspace's IDE URL with `{name}` in it. */
  urls: { controlPlane: string; workspaces: string; ide: string };
  routing: RoutingMode;
  ports: { controlPlane: number; workspaces: number; http: number };
  /** Workspaces routed to their VM at the edge (running ones), when Rockpool runs. */
  workspaceRoutes?: string[];
  /** Workspaces in the control plane's database by state, when its server answers. */
  workspaces?: {
    total: number;
    byState: Record<string, number>;
    /** Suspended workspaces by name: memory on disk, no CPU or RAM used; start resumes them. */
    suspended: string[];
    /** Workspace names by how their VM last came up (snapshot, resumed, cold); absent: never ran. */
    bootPaths?: Record<string, string[]>;
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
    // The report is tart's (QEMU writes none): its guests have no memory snapshot to start from.
    '  New workspaces: cold boot (create from a snapshot is not available with tart)',
    ...runtime.warnings.map((warning) => `  WARNING: ${warning}`),
  ];
}

const BOOT_PATH_TITLES: Record<string, string> = {
  snapshot: 'from the guest snapshot',
  resumed: 'resumed from memory',
  cold: 'cold boot',
};

/** How each workspace's VM last came up, e.g. "from the guest snapshot 2 (alice, bob), cold boot 1 (carol)". */
export function bootPathLines(bootPaths: Record<string, string[]> | undefined): string[] {
  const parts = Object.entries(bootPaths ?? {})
    .filter(([, names]) => names.length > 0)
    .map(([path, names]) => `${BOOT_PATH_TITLES[path] ?? path} ${names.length} (${names.join(', ')})`);
  return parts.length ? [`  Last start:  ${parts.join(', ')}`] : [];
}

/** Every workspace by state, as the first admin sees them (a member would see only their own). */
async function countWorkspaces(dataDir: string, now: number): Promise<Status['workspaces']> {
  const byState: Record<string, number> = {};
  const suspended: string[] = [];
  const bootPaths: Record<string, string[]> = {};
  const idle: { name: string; text: string }[] = [];
  const workspaces = await listWorkspaces(await controlPlaneFor(dataDir, undefined));
  for (const workspace of workspaces) {
    const { name, state, bootPath } = workspace;
    byState[state] = (byState[state] ?? 0) + 1;
    if (state === 'suspended') suspended.push(name);
    if (bootPath) bootPaths[bootPath] = [...(bootPaths[bootPath] ?? []), name];
    const text = describeIdle(workspace, now);
    if (text) idle.push({ name, text });
  }
  return { total: workspaces.length, byState, suspended, bootPaths, idle };
}

/** What `rockpool status` reports, read from the config file and the running Caddy. */
export async function readStatus(env: NodeJS.ProcessEnv): Promise<Status> {
  const settings = await loadSettings({ ROCKPOOL_CADDY_BIN: 'caddy', ...env });
  const base: Status = {
    running: false,
    tls: settings.tls.mode,
    access: settings.access.mode,
    allow: settings.access.allow,
    urls: { ...publicUrls(settings), ide: ideUrlPattern(settings) },
    routing: settings.routingMode,
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
    `  Workspaces:  ${s.urls.ide}  (${s.routing} routing)`,
    ...(s.workspaceRoutes
      ? [
          `  Running workspaces: ${s.workspaceRoutes.length}${s.workspaceRoutes.length ? ` (${s.workspaceRoutes.join(', ')})` : ''}`,
        ]
      : []),
    ...(s.workspaces?.idle ?? []).map(({ name, text }) => `    ${name}: ${text}`),
    ...(s.workspaces
      ? [
          `  Suspended workspaces: ${s.workspaces.suspended.length}${s.workspaces.suspended.length ? ` (${s.workspaces.suspended.join(', ')})` : ''}`,
          ...bootPathLines(s.workspaces.bootPaths),
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
