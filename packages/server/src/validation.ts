import { portProblem, workspaceNameProblem } from '@rockpool/caddy';
import { badRequest } from './errors.js';

export interface ResourceLimits {
  defaultCpus: number;
  maxCpus: number;
  defaultMemoryMiB: number;
  minMemoryMiB: number;
  maxMemoryMiB: number;
}

export interface CreateWorkspaceInput {
  name: string;
  cpus: number;
  memoryMiB: number;
}

function asObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw badRequest('invalid_body', 'The request body must be a JSON object.');
  return body as Record<string, unknown>;
}

function rejectUnknown(body: Record<string, unknown>, known: string[]): void {
  const unknown = Object.keys(body).filter((key) => !known.includes(key));
  if (unknown.length)
    throw badRequest(
      'unknown_field',
      `Unknown field(s): ${unknown.join(', ')}. Allowed: ${known.join(', ')}.`,
      {
        fields: unknown,
      },
    );
}

function integerIn(
  body: Record<string, unknown>,
  field: string,
  min: number,
  max: number,
  fallback: number,
): number {
  const value = body[field] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw badRequest(`invalid_${field.toLowerCase()}`, `${field} must be an integer from ${min} to ${max}.`, {
      field,
      min,
      max,
    });
  return value;
}

export function parseCreateWorkspace(body: unknown, limits: ResourceLimits): CreateWorkspaceInput {
  const object = asObject(body);
  rejectUnknown(object, ['name', 'cpus', 'memoryMiB']);
  const problem = workspaceNameProblem(object.name);
  if (problem) throw badRequest('invalid_name', `Invalid workspace name: ${problem}.`, { field: 'name' });
  return {
    name: object.name as string,
    cpus: integerIn(object, 'cpus', 1, limits.maxCpus, limits.defaultCpus),
    memoryMiB: integerIn(
      object,
      'memoryMiB',
      limits.minMemoryMiB,
      limits.maxMemoryMiB,
      limits.defaultMemoryMiB,
    ),
  };
}

export function parsePortBody(body: unknown): number {
  const object = asObject(body);
  rejectUnknown(object, ['port']);
  const problem = portProblem(object.port);
  if (problem) throw badRequest('invalid_port', `Invalid port: ${problem}.`, { field: 'port' });
  return object.port as number;
}

export function parsePortParam(raw: string): number {
  const port = /^\d{1,5}$/.test(raw) ? Number(raw) : Number.NaN;
  const problem = portProblem(port);
  if (problem) throw badRequest('invalid_port', `Invalid port ${JSON.stringify(raw)}: ${problem}.`);
  return port;
}

export function parsePagination(query: { limit?: string; cursor?: string }): {
  limit: number;
  cursor?: string;
} {
  let limit = 50;
  if (query.limit !== undefined) {
    limit = Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 200)
      throw badRequest('invalid_limit', 'limit must be an integer from 1 to 200.');
  }
  if (query.cursor !== undefined && workspaceNameProblem(query.cursor))
    throw badRequest('invalid_cursor', 'cursor must be a nextCursor value from a previous page.');
  return query.cursor ? { limit, cursor: query.cursor } : { limit };
}
