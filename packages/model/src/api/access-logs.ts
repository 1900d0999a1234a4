import { z } from 'zod';
import { checkedField, queryParam } from './request-fields.js';

export const ACCESS_LOG_SERVERS = ['control-plane', 'workspaces'] as const;
export type AccessLogServer = (typeof ACCESS_LOG_SERVERS)[number];

/** One request through the edge, as Caddy logged it. Never holds headers, so never credentials. */
const accessLogFields = {
  server: z.enum(ACCESS_LOG_SERVERS),
  method: z.string(),
  host: z.string(),
  path: z.string().meta({ description: 'The request URI as sent (path and query)' }),
  status: z.int(),
  durationMs: z.number(),
  size: z.int().meta({ description: 'Response body bytes' }),
  userId: z.string().nullable(),
  remoteIp: z.string(),
  userAgent: z.string().nullable(),
  workspace: z.string().nullable().meta({ description: 'For /workspace/{name}/... requests' }),
  adminAccess: z.string().nullable().meta({
    description:
      'The owner whose IDE an admin opened (allowed by ROCKPOOL_ADMIN_IDE_ACCESS, marked by the edge); null for every other request',
  }),
};

export const AccessLogEntrySchema = z
  .object({ id: z.int(), time: z.iso.datetime(), ...accessLogFields })
  .meta({
    id: 'AccessLogEntry',
    description: 'One request through the edge. Headers (and so credentials) are never stored.',
  });
export type AccessLogEntry = z.infer<typeof AccessLogEntrySchema>;

/** An entry as stored: the same fields, its time in milliseconds since the epoch. */
export type AccessLogRecord = z.infer<z.ZodObject<typeof accessLogFields>> & { time: number };

export const AccessLogPageSchema = z.object({
  items: z.array(AccessLogEntrySchema),
  nextCursor: z.string().nullable(),
});
export type AccessLogPage = z.infer<typeof AccessLogPageSchema>;

export const MAX_ACCESS_LOG_LIMIT = 500;
const DEFAULT_ACCESS_LOG_LIMIT = 100;

/**
 * A query parameter of `GET /api/logs`; a bad value is `invalid_filter`, naming the parameter. An
 * empty value is no filter, except for `limit` and `cursor`, which must be right when given.
 */
function filter(
  parameter: string,
  doc: Record<string, unknown>,
  problem: (raw: string) => string | undefined,
) {
  return queryParam(
    checkedField<string>((raw) => {
      const message = typeof raw === 'string' ? problem(raw) : 'must be a string.';
      return message
        ? { code: 'invalid_filter', message: `${parameter}: ${message}`, details: { parameter } }
        : undefined;
    }, doc),
  );
}

const isoTime = (raw: string) => {
  const value = Date.parse(raw);
  return /^\d{4}-\d{2}-\d{2}/.test(raw) && !Number.isNaN(value) ? value : undefined;
};

/** An exact status (`404`) or a class (`5xx`), as an inclusive range. */
function statusRange(raw: string): [number, number] | undefined {
  if (/^[1-5]\d\d$/.test(raw)) return [Number(raw), Number(raw)];
  const group = /^([1-5])xx$/i.exec(raw);
  return group ? [Number(group[1]) * 100, Number(group[1]) * 100 + 99] : undefined;
}

const timeFilter = (parameter: string, description: string) =>
  filter(parameter, { type: 'string', format: 'date-time', description }, (raw) =>
    raw === '' || isoTime(raw) !== undefined
      ? undefined
      : `${JSON.stringify(raw)} is not an ISO time such as 2026-01-31T12:00:00Z.`,
  ).transform((raw) => (raw ? isoTime(raw) : undefined));

/**
 * `GET /api/logs`, checked in this order and the first problem answered. `status` becomes an
 * inclusive range, `since` and `until` milliseconds since the epoch.
 */
export const AccessLogQuerySchema = z
  .object({
    limit: filter(
      'limit',
      {
        type: 'integer',
        minimum: 1,
        maximum: MAX_ACCESS_LOG_LIMIT,
        default: DEFAULT_ACCESS_LOG_LIMIT,
        description: `Page size, 1-${MAX_ACCESS_LOG_LIMIT}`,
      },
      (raw) =>
        /^\d+$/.test(raw) && Number(raw) >= 1 && Number(raw) <= MAX_ACCESS_LOG_LIMIT
          ? undefined
          : `must be an integer from 1 to ${MAX_ACCESS_LOG_LIMIT}.`,
    ).transform((raw) => (raw === undefined ? DEFAULT_ACCESS_LOG_LIMIT : Number(raw))),
    cursor: filter('cursor', { type: 'string', description: 'nextCursor of the previous page' }, (raw) =>
      /^\d{1,15}$/.test(raw) ? undefined : 'must be a nextCursor from a previous page.',
    ),
    server: filter(
      'server',
      { type: 'string', enum: ACCESS_LOG_SERVERS, description: 'control-plane (srv0) or workspaces (srv1)' },
      (raw) =>
        raw === '' || (ACCESS_LOG_SERVERS as readonly string[]).includes(raw)
          ? undefined
          : `must be one of ${ACCESS_LOG_SERVERS.join(', ')}.`,
    ).transform((raw) => (raw ? (raw as AccessLogServer) : undefined)),
    status: filter(
      'status',
      { type: 'string', description: 'An exact status (404) or a class (5xx)' },
      (raw) =>
        raw === '' || statusRange(raw) ? undefined : 'must be a status such as 404 or a class such as 5xx.',
    ).transform((raw) => (raw ? statusRange(raw) : undefined)),
    user: filter(
      'user',
      { type: 'string', description: 'The authenticated user id, exactly' },
      () => undefined,
    ),
    path: filter(
      'path',
      {
        type: 'string',
        description: 'A substring of the request URI, or a prefix when it ends in * (/api/*)',
      },
      () => undefined,
    ),
    since: timeFilter('since', 'ISO time: entries at or after it'),
    until: timeFilter('until', 'ISO time: entries at or before it'),
  })
  .superRefine((query, ctx) => {
    if (query.since !== undefined && query.until !== undefined && query.since > query.until)
      ctx.addIssue({
        code: 'custom',
        path: ['since'],
        message: 'since: must not be after until.',
        params: {
          code: 'invalid_filter',
          message: 'since: must not be after until.',
          details: { parameter: 'since' },
        },
      });
  });
/** The filters a person sets (the page is the client's business). */
export type AccessLogFilters = Omit<z.input<typeof AccessLogQuerySchema>, 'limit' | 'cursor'>;
export type AccessLogQuery = z.output<typeof AccessLogQuerySchema>;
