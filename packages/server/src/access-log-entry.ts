import { ACCESS_LOGGER_NAMES, ADMIN_ACCESS_LOG_FIELD } from '@rockpool/caddy';
import type { AccessLogEntry } from '@rockpool/db';
import type { AccessLogServer } from '@rockpool/model';

const SERVER_BY_LOGGER: Record<string, AccessLogServer> = {
  [`http.log.access.${ACCESS_LOGGER_NAMES.controlPlane}`]: 'control-plane',
  [`http.log.access.${ACCESS_LOGGER_NAMES.workspaces}`]: 'workspaces',
};

/** Caps what one entry may store, so a client cannot fill the database with one huge URI. */
const MAX_FIELD = 2048;

export class MalformedAccessLogError extends Error {
  readonly code = 'malformed_access_log';
}

const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value.slice(0, MAX_FIELD) : undefined;
const finite = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

/** Query parameters that carry secrets (OAuth callbacks, tokens in links); their values are not stored. */
const SECRET_PARAMETER =
  /^(code|state|token|access_token|id_token|refresh_token|password|secret|key|signature|sig)$/i;

/** Replaces the values of secret-looking query parameters with REDACTED, keeping the rest as sent. */
export function redactUri(uri: string): string {
  const query = uri.indexOf('?');
  if (query < 0) return uri;
  const redacted = uri
    .slice(query + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      let name = pair.slice(0, eq);
      try {
        name = decodeURIComponent(name);
      } catch {
        // A malformed escape: judge the raw name.
      }
      return SECRET_PARAMETER.test(name) ? `${pair.slice(0, eq)}=REDACTED` : pair;
    });
  return `${uri.slice(0, query)}?${redacted.join('&')}`;
}

/** `/workspace/{name}` or `/workspace/{name}/...` -> name. */
export function workspaceOfPath(uri: string): string | null {
  return /^\/workspace\/([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:[/?]|$)/.exec(uri)?.[1] ?? null;
}

/**
 * One line of Caddy's JSON access log -> a row. Only the listed fields are kept: headers are never
 * read past User-Agent, so credentials (which Caddy already redacts) cannot reach the database, and
 * secret-looking query parameters (an OAuth callback's `code`, a `token`) are redacted.
 */
export function parseAccessLogLine(line: string): AccessLogEntry {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new MalformedAccessLogError('not JSON');
  }
  const entry = record(parsed);
  const server = SERVER_BY_LOGGER[text(entry?.logger) ?? ''];
  if (!entry || !server) throw new MalformedAccessLogError('not an access log entry of srv0 or srv1');
  const request = record(entry.request);
  const ts = finite(entry.ts) ?? (typeof entry.ts === 'string' ? Date.parse(entry.ts) / 1000 : undefined);
  const status = finite(entry.status);
  const method = text(request?.method);
  const uri = text(request?.uri);
  if (
    !request ||
    ts === undefined ||
    Number.isNaN(ts) ||
    status === undefined ||
    !method ||
    uri === undefined
  )
    throw new MalformedAccessLogError('missing ts, status, request.method or request.uri');
  const userAgent = record(request.headers)?.['User-Agent'];
  return {
    time: Math.round(ts * 1000),
    server,
    method,
    host: text(request.host) ?? '',
    path: redactUri(uri),
    status,
    durationMs: (finite(entry.duration) ?? 0) * 1000,
    size: finite(entry.size) ?? 0,
    userId: text(entry.user_id) || null,
    remoteIp: text(request.client_ip) || text(request.remote_ip) || '',
    userAgent: Array.isArray(userAgent) ? (text(userAgent[0]) ?? null) : null,
    workspace: server === 'workspaces' ? workspaceOfPath(uri) : null,
    // Set by the edge on an admin's request to another user's IDE: the owner.
    adminAccess: text(entry[ADMIN_ACCESS_LOG_FIELD]) || null,
  };
}
