/** The one typed client for the control plane's API (same origin: /api). */

export type WorkspaceState =
  | 'creating'
  | 'starting'
  | 'running'
  | 'stopping'
  | 'stopped'
  | 'deleting'
  | 'error';
export type WorkspacePhase =
  | 'queued'
  | 'vm_creating'
  | 'vm_starting'
  | 'ide_starting'
  | 'routing'
  | 'ready'
  | 'stopping'
  | 'stopped'
  | 'deleting'
  | 'failed';

export interface Port {
  port: number;
  url: string;
  listening: boolean | null;
  createdAt: string;
}

export interface Workspace {
  id: string;
  name: string;
  state: WorkspaceState;
  phase: WorkspacePhase;
  cpus: number;
  memoryMiB: number;
  error: string | null;
  owner: string;
  ideUrl: string;
  ports: Port[];
  actions: ('start' | 'stop' | 'delete')[];
  createdAt: string;
  updatedAt: string;
}

export interface AccessLogEntry {
  id: number;
  time: string;
  server: 'control-plane' | 'workspaces';
  method: string;
  host: string;
  path: string;
  status: number;
  durationMs: number;
  size: number;
  userId: string | null;
  remoteIp: string;
  userAgent: string | null;
  workspace: string | null;
}

/** Filters of `GET /api/logs`; empty values are left out. */
export interface AccessLogFilters {
  server?: string;
  status?: string;
  user?: string;
  path?: string;
  since?: string;
  until?: string;
}

/** An API error with what the UI needs to say something useful. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`/api${path}`, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiError(
      0,
      'network',
      'Cannot reach Rockpool. Check your connection; retrying helps once it is back.',
    );
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  const json = text ? (JSON.parse(text) as { error?: { code: string; message: string } }) : {};
  if (!res.ok) {
    const retryAfter = Number(res.headers.get('retry-after')) || undefined;
    throw new ApiError(
      res.status,
      json.error?.code ?? `http_${res.status}`,
      json.error?.message ?? res.statusText,
      retryAfter,
    );
  }
  return json as T;
}

export const api = {
  listWorkspaces: () =>
    request<{ items: Workspace[]; nextCursor: string | null }>('GET', '/workspaces?limit=200'),
  getWorkspace: (name: string) => request<Workspace>('GET', `/workspaces/${encodeURIComponent(name)}`),
  createWorkspace: (input: { name: string; cpus?: number; memoryMiB?: number }) =>
    request<Workspace>('POST', '/workspaces', input),
  act: (name: string, action: 'start' | 'stop') =>
    request<Workspace>('POST', `/workspaces/${encodeURIComponent(name)}/${action}`),
  deleteWorkspace: (name: string) => request<Workspace>('DELETE', `/workspaces/${encodeURIComponent(name)}`),
  addPort: (name: string, port: number) =>
    request<Port>('POST', `/workspaces/${encodeURIComponent(name)}/ports`, { port }),
  removePort: (name: string, port: number) =>
    request<void>('DELETE', `/workspaces/${encodeURIComponent(name)}/ports/${port}`),
  me: () => request<{ user: string }>('GET', '/me'),
  users: () => request<{ items: { name: string }[]; clientCertificates: boolean }>('GET', '/users'),
  /** A .p12 client certificate for `name` (mtls-app), as a file to save. */
  clientCertificate: async (name: string, password: string): Promise<Blob> => {
    const res = await fetch(`/api/users/${encodeURIComponent(name)}/client-certificate`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ password }),
    }).catch(() => {
      throw new ApiError(0, 'network', 'Cannot reach Rockpool. Check your connection and try again.');
    });
    if (!res.ok) {
      const json = (await res.json().catch(() => ({}))) as { error?: { code: string; message: string } };
      throw new ApiError(
        res.status,
        json.error?.code ?? `http_${res.status}`,
        json.error?.message ?? res.statusText,
      );
    }
    return res.blob();
  },
  accessLogs: (filters: AccessLogFilters, cursor?: string) => {
    const params = new URLSearchParams({ limit: '100' });
    for (const [key, value] of Object.entries(filters)) if (value) params.set(key, value);
    if (cursor) params.set('cursor', cursor);
    return request<{ items: AccessLogEntry[]; nextCursor: string | null }>('GET', `/logs?${params}`);
  },
};

/** What to tell a person about an error. */
export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) return 'Something went wrong. Try again.';
  if (error.status === 401) return 'Your sign-in has expired. Reload the page to sign in again.';
  if (error.status === 429)
    return `Too many requests. Try again in ${error.retryAfterSeconds ?? 'a few'} seconds.`;
  return error.message;
}
