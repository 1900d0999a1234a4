/** The one typed client for the control plane's API (same origin: /api). */
import type {
  AccessLogFilters,
  AccessLogPage,
  CreatedUser,
  CreateUserBody,
  CreateWorkspaceBody,
  ErrorBody,
  Me,
  Port,
  PortSharing,
  UpdateUserBody,
  UpdateWorkspaceBody,
  User,
  UserList,
  Workspace,
  WorkspaceAction,
  WorkspacePage,
} from '@rockpool/model';

// Every type of the API comes from the model's schemas, the same ones the server validates with.
export type {
  AccessLogEntry,
  AccessLogFilters,
  Port,
  PortSharing,
  User,
  UserRole,
  Workspace,
  WorkspaceAction,
  WorkspacePhase,
  WorkspaceState,
} from '@rockpool/model';

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
  const json = text ? (JSON.parse(text) as Partial<ErrorBody>) : {};
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
  listWorkspaces: () => request<WorkspacePage>('GET', '/workspaces?limit=200'),
  getWorkspace: (name: string) => request<Workspace>('GET', `/workspaces/${encodeURIComponent(name)}`),
  createWorkspace: (input: CreateWorkspaceBody) => request<Workspace>('POST', '/workspaces', input),
  act: (name: string, action: Exclude<WorkspaceAction, 'delete'>) =>
    request<Workspace>('POST', `/workspaces/${encodeURIComponent(name)}/${action}`),
  updateWorkspace: (name: string, body: UpdateWorkspaceBody) =>
    request<Workspace>('PATCH', `/workspaces/${encodeURIComponent(name)}`, body),
  deleteWorkspace: (name: string) => request<Workspace>('DELETE', `/workspaces/${encodeURIComponent(name)}`),
  addPort: (name: string, port: number, sharing: PortSharing) =>
    request<Port>('POST', `/workspaces/${encodeURIComponent(name)}/ports`, { port, sharing }),
  setPortSharing: (name: string, port: number, sharing: PortSharing) =>
    request<Port>('PATCH', `/workspaces/${encodeURIComponent(name)}/ports/${port}`, { sharing }),
  removePort: (name: string, port: number) =>
    request<void>('DELETE', `/workspaces/${encodeURIComponent(name)}/ports/${port}`),
  me: () => request<Me>('GET', '/me'),
  /** Clears this browser's session cookie: the control plane and every workspace ask to sign in again. */
  signOut: () => request<void>('DELETE', '/session'),
  users: () => request<UserList>('GET', '/users'),
  addUser: (body: CreateUserBody) => request<CreatedUser>('POST', '/users', body),
  updateUser: (name: string, body: UpdateUserBody) =>
    request<User>('PATCH', `/users/${encodeURIComponent(name)}`, body),
  removeUser: (name: string) => request<void>('DELETE', `/users/${encodeURIComponent(name)}`),
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
      const json = (await res.json().catch(() => ({}))) as Partial<ErrorBody>;
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
    return request<AccessLogPage>('GET', `/logs?${params}`);
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
