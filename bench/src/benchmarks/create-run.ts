import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase, WorkspaceStore } from '@rockpool/db';
import { dataDirLayout } from '@rockpool/model/data-dir';
import type { RunningStack } from '../lib/stack.js';
import { idempotentRequest, isConnectionReset, timedRequest } from '../lib/upstream.js';
import { type SuspendResumeRun, suspendAndResume } from './suspend-resume.js';

/** Phases in order; `controlPlane` marks Rockpool's own share (the rest is the VM and code-server). */
export const PHASES = [
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
export type PhaseKey = (typeof PHASES)[number]['key'];

export interface Run {
  /** How the VM came up (the workspace's bootPath): from the guest snapshot, or a cold boot. */
  bootPath: string | null;
  phases: Record<PhaseKey, number>;
  totalMs: number;
  polls: number;
  /** Polls whose fresh connection a config change reset before any answer. */
  resets: number;
  /** Status and duration of each request made once the route was in place. */
  answersAfterRoute: string[];
  /** Then suspended and resumed (issue 16); only in the runs from the snapshot. */
  sleep?: SuspendResumeRun;
}

interface Poll {
  /** Wall-clock ms when the poll started. */
  at: number;
  status: number;
  ms: number;
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

export async function oneRun(stack: RunningStack, name: string, withSleep: boolean): Promise<Run> {
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
  const record = await idempotentRequest(`${stack.controlPlaneUrl}/api/workspaces/${id}`, {
    headers: stack.authHeader,
  });
  const { bootPath } = JSON.parse(record.body) as { bootPath: string | null };
  const sleepRun = withSleep
    ? await suspendAndResume(stack, id, name, async () => {
        for (let i = 0; (await pollIde(stack, name)).at(-1)?.status !== 200; i++) {
          if (i > 30_000) throw new Error(`${name}: the IDE did not answer 200 after resume`);
          await sleep(10);
        }
      })
    : undefined;
  // Delete and wait until it is gone, so runs do not overlap on this 2-core machine.
  const removed = await idempotentRequest(`${stack.controlPlaneUrl}/api/workspaces/${id}`, {
    method: 'DELETE',
    headers: stack.authHeader,
  });
  if (removed.status >= 300) throw new Error(`delete answered ${removed.status}: ${removed.body}`);
  for (let i = 0; ; i++) {
    const r = await idempotentRequest(`${stack.controlPlaneUrl}/api/workspaces/${id}`, {
      headers: stack.authHeader,
    });
    if (r.status === 404) break;
    if (i > 600) throw new Error(`${name} was not deleted within 2 minutes`);
    await sleep(200);
  }
  // The requests after the route was in place: the slowest shows what the edge phase waited on.
  const afterRoute = polls.filter((p) => p.at + p.ms >= at('ready'));
  return {
    bootPath,
    phases: timings,
    totalMs: ideAt - startedAt,
    polls: polls.length,
    resets: polls.filter((p) => p.status === 0).length,
    answersAfterRoute: afterRoute.map((p) => `${p.status} in ${Math.round(p.ms)} ms`),
    ...(sleepRun ? { sleep: sleepRun } : {}),
  };
}
