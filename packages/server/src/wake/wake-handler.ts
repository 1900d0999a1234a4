import { createHash, timingSafeEqual } from 'node:crypto';
import { GATE_SECRET_HEADER } from '@rockpool/caddy';
import type { JobQueue, Workspace, WorkspaceStore } from '@rockpool/db';
import { isWorkspaceName, parseWorkspaceHost, TRANSITIONS, type WorkspaceAddressing } from '@rockpool/model';
import { RETRY_AFTER_SECONDS, WAKE_HEADER, WAKING_HEADER, wakeMessage, wakePage } from './wake-page.js';

/*
 * Start on open. While a workspace is suspended or stopped, the routing table sends its IDE and
 * ports here instead of to a gate, with the workspace's wake token where the gate's secret would
 * be. The owner's request (the edge lets no one else through) starts it and gets a page that moves
 * on by itself. Only a request someone made starts it: a page opened in the browser (a navigation),
 * a request from outside a browser (curl, an API client), or the waking page's own poll. A tab left
 * open does not: VS Code reconnects its WebSocket by itself, and its scripts fetch in the
 * background, which would undo every idle suspend. Those get 503 with Retry-After, which VS Code
 * retries.
 */

export interface WakeDeps {
  workspaces: Pick<WorkspaceStore, 'find' | 'wakeToken' | 'transition'>;
  /** Where a request names its workspace: the forwarded prefix (path mode) or the Host (subdomain). */
  addressing: WorkspaceAddressing;
  jobs: Pick<JobQueue, 'enqueue'>;
  log?: (line: string) => void;
}

/** What a request to the wake handler carries, as the edge set it (never trusted from a client). */
export interface WakeRequest {
  /** X-Forwarded-Prefix (path mode): `/workspace/{name}` or `/workspace/{name}/port/{port}`. */
  prefix: string | undefined;
  /** Host, as the browser sent it and the edge passed it on (subdomain mode: `{name}.{domain}`). */
  host: string | undefined;
  /** X-Rockpool-Gate: the workspace's wake token. */
  token: string | undefined;
  accept: string | undefined;
  /** Whether the request starts the workspace (see above); an upgrade never does. */
  wakes: boolean;
  upgrade: boolean;
}

export interface WakeAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const PREFIX = /^\/workspace\/([a-z0-9-]+)(?:\/port\/\d{1,5})?$/;

/** The workspace a forwarded prefix names, if it is one. */
export function prefixWorkspace(prefix: string | undefined): string | undefined {
  const name = prefix === undefined ? undefined : PREFIX.exec(prefix)?.[1];
  return name !== undefined && isWorkspaceName(name) ? name : undefined;
}

/**
 * The workspace a request names where the edge found it: the prefix it stripped (path mode), or the
 * Host it routed by (subdomain mode: an IDE host or a port host, with or without `:port`).
 */
export function requestWorkspace(addressing: WorkspaceAddressing, request: WakeRequest): string | undefined {
  if (addressing.mode === 'path') return prefixWorkspace(request.prefix);
  const host = request.host?.replace(/:\d{1,5}$/, '');
  return host === undefined ? undefined : parseWorkspaceHost(host, addressing.domain)?.name;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

function tokenMatches(presented: string | undefined, expected: string | undefined): boolean {
  if (presented === undefined || expected === undefined) return false;
  return timingSafeEqual(digest(presented), digest(expected));
}

const notFound: WakeAnswer = {
  status: 404,
  headers: { 'content-type': 'application/json' },
  body: `${JSON.stringify({ error: { code: 'not_found', message: 'No such workspace.' } })}\n`,
};

/** The states a request starts a workspace from: asleep, not failed (that takes a decision). */
const WAKES_FROM = ['suspended', 'stopped'] as const;

/**
 * Answers one request to a sleeping workspace: 404 unless it carries the workspace's wake token;
 * otherwise a request that wakes starts it (once: later ones find it starting) and every answer is a 503
 * with Retry-After, an HTML page for a browser, JSON for anything else.
 */
export function answerWake(deps: WakeDeps, request: WakeRequest): WakeAnswer {
  const name = requestWorkspace(deps.addressing, request);
  const found = name === undefined ? undefined : deps.workspaces.find(name);
  if (!found || !tokenMatches(request.token, deps.workspaces.wakeToken(found.id))) return notFound;
  let workspace: Workspace = found;
  if (request.wakes && !request.upgrade && (WAKES_FROM as readonly string[]).includes(workspace.state)) {
    const { to, phase } = TRANSITIONS.start;
    const moved = deps.workspaces.transition(workspace.id, WAKES_FROM, { state: to, phase });
    if (moved) {
      deps.jobs.enqueue(moved.id, 'start');
      deps.log?.(`wake: ${moved.name} was ${workspace.state}; a request to it starts it`);
      // The page says what is happening: resuming from memory, or a boot.
      workspace = { ...moved, phase: workspace.state === 'suspended' ? 'vm_resuming' : moved.phase };
    }
  }
  const message = wakeMessage(workspace);
  const headers = {
    'retry-after': String(RETRY_AFTER_SECONDS),
    'cache-control': 'no-store',
    [WAKING_HEADER.toLowerCase()]: workspace.name,
  };
  if (!request.upgrade && request.accept?.includes('text/html'))
    return {
      status: 503,
      headers: { ...headers, 'content-type': 'text/html; charset=utf-8' },
      body: wakePage(message),
    };
  return {
    status: 503,
    headers: { ...headers, 'content-type': 'application/json' },
    body: `${JSON.stringify({ error: { code: 'workspace_waking', message: `${message.title} ${message.detail}`.trim() } })}\n`,
  };
}

/** The request as the wake handler reads it from Node's headers (lower-case names). */
export function wakeRequestOf(
  headers: Record<string, string | string[] | undefined>,
  upgrade: boolean,
): WakeRequest {
  const one = (name: string) => {
    const value = headers[name.toLowerCase()];
    return typeof value === 'string' ? value : undefined;
  };
  // Browsers send Sec-Fetch-Mode on every request: `navigate` for a page opened, `cors`,
  // `no-cors` or `same-origin` for what scripts and subresources fetch. Other clients send none.
  const mode = one('sec-fetch-mode');
  const wakes = !upgrade && (mode === undefined || mode === 'navigate' || one(WAKE_HEADER) !== undefined);
  return {
    prefix: one('x-forwarded-prefix'),
    host: one('host'),
    token: one(GATE_SECRET_HEADER),
    accept: one('accept'),
    wakes,
    upgrade,
  };
}
