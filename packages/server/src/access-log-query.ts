import type { AccessLogFilter, AccessLogServer } from '@rockpool/db';
import { badRequest } from './errors.js';

export const MAX_ACCESS_LOG_LIMIT = 500;
const SERVERS: readonly AccessLogServer[] = ['control-plane', 'workspaces'];

export interface AccessLogQuery {
  server?: string;
  status?: string;
  user?: string;
  path?: string;
  since?: string;
  until?: string;
  limit?: string;
  cursor?: string;
}

const invalid = (parameter: string, message: string) =>
  badRequest('invalid_filter', `${parameter}: ${message}`, { parameter });

function time(parameter: string, raw: string): number {
  const value = Date.parse(raw);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(value))
    throw invalid(parameter, `${JSON.stringify(raw)} is not an ISO time such as 2026-01-31T12:00:00Z.`);
  return value;
}

/**
 * `GET /api/logs` query -> a store filter. `status` is exact (`404`) or a class (`5xx`); `path`
 * ending in `*` is a prefix (`/api/*`), otherwise a substring.
 */
export function parseAccessLogQuery(query: AccessLogQuery): AccessLogFilter {
  const filter: AccessLogFilter = { limit: 100 };
  if (query.limit !== undefined) {
    const limit = Number(query.limit);
    if (!/^\d+$/.test(query.limit) || limit < 1 || limit > MAX_ACCESS_LOG_LIMIT)
      throw invalid('limit', `must be an integer from 1 to ${MAX_ACCESS_LOG_LIMIT}.`);
    filter.limit = limit;
  }
  if (query.cursor !== undefined) {
    if (!/^\d{1,15}$/.test(query.cursor))
      throw invalid('cursor', 'must be a nextCursor from a previous page.');
    filter.cursor = query.cursor;
  }
  if (query.server) {
    if (!SERVERS.includes(query.server as AccessLogServer))
      throw invalid('server', `must be one of ${SERVERS.join(', ')}.`);
    filter.server = query.server as AccessLogServer;
  }
  if (query.status) {
    const exact = /^[1-5]\d\d$/.test(query.status);
    const group = /^([1-5])xx$/i.exec(query.status);
    if (exact) filter.status = [Number(query.status), Number(query.status)];
    else if (group) filter.status = [Number(group[1]) * 100, Number(group[1]) * 100 + 99];
    else throw invalid('status', 'must be a status such as 404 or a class such as 5xx.');
  }
  if (query.user) filter.user = query.user;
  if (query.path) {
    if (query.path.endsWith('*')) filter.pathPrefix = query.path.slice(0, -1);
    else filter.pathContains = query.path;
  }
  if (query.since) filter.since = time('since', query.since);
  if (query.until) filter.until = time('until', query.until);
  if (filter.since !== undefined && filter.until !== undefined && filter.since > filter.until)
    throw invalid('since', 'must not be after until.');
  return filter;
}
