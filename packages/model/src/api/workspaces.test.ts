import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { requestProblem } from './request-fields.js';
import {
  createWorkspaceBody,
  PortBodySchema,
  PortParamsSchema,
  PortUpdateBodySchema,
  UpdateWorkspaceBodySchema,
  WorkspaceListQuerySchema,
} from './workspaces.js';

const limits = { defaultCpus: 2, maxCpus: 4, defaultMemoryMiB: 2048, minMemoryMiB: 512, maxMemoryMiB: 8192 };

/** The API's error for a value the schema refuses. */
function problemOf(schema: z.ZodType, value: unknown) {
  const result = schema.safeParse(value);
  if (result.success) throw new Error(`accepted ${JSON.stringify(value)}`);
  return requestProblem(result.error.issues);
}

describe('createWorkspaceBody', () => {
  const schema = createWorkspaceBody(limits);

  it('fills in the defaults, for absent and null values alike', () => {
    expect(schema.parse({ name: 'alice' })).toEqual({
      name: 'alice',
      cpus: 2,
      memoryMiB: 2048,
      idleTimeoutMinutes: 60,
    });
    expect(schema.parse({ name: 'alice', cpus: null, memoryMiB: 4096, idleTimeoutMinutes: 0 })).toEqual({
      name: 'alice',
      cpus: 2,
      memoryMiB: 4096,
      idleTimeoutMinutes: 0,
    });
  });

  it.each([
    [[1], { code: 'invalid_body', message: 'The request body must be a JSON object.' }],
    [
      { name: 'Alice', disk: 1 },
      {
        code: 'unknown_field',
        message: 'Unknown field(s): disk. Allowed: name, cpus, memoryMiB, idleTimeoutMinutes.',
        details: { fields: ['disk'] },
      },
    ],
    [{}, { code: 'invalid_name', message: 'Invalid workspace name: a workspace name is required.' }],
    [
      { name: 'ok', cpus: 5, memoryMiB: 1 },
      { code: 'invalid_cpus', details: { field: 'cpus', min: 1, max: 4 } },
    ],
    [
      { name: 'ok', memoryMiB: '1024' },
      { code: 'invalid_memorymib', message: 'memoryMiB must be an integer from 512 to 8192.' },
    ],
    [
      { name: 'ok', idleTimeoutMinutes: -1 },
      { code: 'invalid_idletimeoutminutes', details: { field: 'idleTimeoutMinutes', min: 0, max: 10080 } },
    ],
  ])('answers %j with the API error %j (unknown fields first, then fields in order)', (body, expected) => {
    expect(problemOf(schema, body)).toMatchObject(expected);
  });
});

describe('UpdateWorkspaceBodySchema', () => {
  it('takes an idle timeout from 0 (never) to a week, and nothing else', () => {
    expect(UpdateWorkspaceBodySchema.parse({ idleTimeoutMinutes: 0 })).toEqual({ idleTimeoutMinutes: 0 });
    expect(problemOf(UpdateWorkspaceBodySchema, {}).code).toBe('invalid_idletimeoutminutes');
    expect(problemOf(UpdateWorkspaceBodySchema, { idleTimeoutMinutes: 1.5 }).message).toBe(
      'idleTimeoutMinutes must be an integer from 0 (never) to 10080.',
    );
    expect(problemOf(UpdateWorkspaceBodySchema, { idleTimeoutMinutes: 5, cpus: 2 }).code).toBe(
      'unknown_field',
    );
  });
});

describe('ports', () => {
  it('refuses a port outside 1-65535 in a body and in a path', () => {
    expect(problemOf(PortBodySchema, { port: 70000 })).toEqual({
      code: 'invalid_port',
      message: 'Invalid port: port 70000 is outside 1-65535.',
      details: { field: 'port' },
    });
    expect(problemOf(PortParamsSchema, { id: 'alice', port: 'http' })).toEqual({
      code: 'invalid_port',
      message: 'Invalid port "http": a port is an integer from 1 to 65535.',
    });
    expect(PortParamsSchema.parse({ id: 'alice', port: '3000' })).toEqual({ id: 'alice', port: 3000 });
  });

  it('makes a port private unless told, and names a bad sharing level', () => {
    expect(PortBodySchema.parse({ port: 3000 })).toEqual({ port: 3000, sharing: 'private' });
    expect(PortBodySchema.parse({ port: 3000, sharing: 'public' })).toEqual({
      port: 3000,
      sharing: 'public',
    });
    expect(problemOf(PortBodySchema, { port: 3000, sharing: 'everyone' })).toEqual({
      code: 'invalid_sharing',
      message: 'Invalid sharing "everyone": one of private, authenticated, public.',
      details: { field: 'sharing', allowed: ['private', 'authenticated', 'public'] },
    });
    expect(problemOf(PortBodySchema, { port: 3000, sharing: null }).code).toBe('invalid_sharing');
  });

  it('changes a sharing level only to a named one', () => {
    expect(PortUpdateBodySchema.parse({ sharing: 'authenticated' })).toEqual({ sharing: 'authenticated' });
    expect(problemOf(PortUpdateBodySchema, {})).toMatchObject({
      code: 'invalid_sharing',
      message: 'sharing is required: one of private, authenticated, public.',
    });
    expect(problemOf(PortUpdateBodySchema, { sharing: 'PUBLIC' }).code).toBe('invalid_sharing');
    expect(problemOf(PortUpdateBodySchema, { sharing: 'public', port: 1 }).code).toBe('unknown_field');
  });
});

describe('WorkspaceListQuerySchema', () => {
  it('pages by 50 unless told, from the first value given', () => {
    expect(WorkspaceListQuerySchema.parse({})).toEqual({ limit: 50 });
    expect(WorkspaceListQuerySchema.parse({ limit: ['10', '500'], cursor: 'b' })).toEqual({
      limit: 10,
      cursor: 'b',
    });
    expect(problemOf(WorkspaceListQuerySchema, { limit: '201' }).code).toBe('invalid_limit');
    expect(problemOf(WorkspaceListQuerySchema, { cursor: '../x' }).code).toBe('invalid_cursor');
  });
});
