import { z } from 'zod';
import { DEFAULT_IDLE_TIMEOUT_MINUTES, MAX_IDLE_TIMEOUT_MINUTES } from '../idle.js';
import {
  MAX_PORTS_PER_WORKSPACE,
  MAX_WORKSPACE_NAME_LENGTH,
  portProblem,
  WORKSPACE_NAME_PATTERN,
  workspaceNameProblem,
} from '../names.js';
import {
  DEFAULT_PORT_SHARING,
  isPortSharing,
  PORT_SHARING_LEVELS,
  type PortSharing,
} from '../port-sharing.js';
import { BOOT_PATHS, WORKSPACE_ACTIONS, WORKSPACE_PHASES, WORKSPACE_STATES } from '../workspace-state.js';
import { checkedField, queryParam, type RequestProblem, requestBody } from './request-fields.js';

/** A workspace as stored: what the database keeps and the API reports. */
export const WorkspaceRecordSchema = z.object({
  id: z.string().meta({ description: 'ws_...' }),
  name: z.string(),
  state: z.enum(WORKSPACE_STATES),
  phase: z.enum(WORKSPACE_PHASES),
  cpus: z.int(),
  memoryMiB: z.int(),
  error: z.string().nullable(),
  notice: z.string().nullable().meta({
    description:
      'What to know about the last start or suspend, e.g. why a resume fell back to a cold boot, or that this host cannot keep memory on suspend; null when nothing',
  }),
  bootPath: z.enum(BOOT_PATHS).nullable().meta({
    description:
      'How its VM last came up: restored from the guest `snapshot` (a create), `resumed` from its saved memory, or booted `cold` (notice says why when the snapshot or the memory could not be used); null until it ran',
  }),
  diskBytes: z.int().nullable().meta({
    description:
      'Bytes the workspace takes on the host disk (its disk and any saved memory), as the worker last measured; null until measured',
  }),
  idleTimeoutMinutes: z.int().meta({
    description: 'Minutes without activity after which the workspace is suspended; 0 = never',
  }),
  activeAt: z.iso.datetime().nullable().meta({
    description:
      'When the workspace was last active (a request, or a WebSocket message that is not keep-alive, from its owner), as the worker last recorded it (to the minute); null until it first runs',
  }),
  owner: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type WorkspaceRecord = z.infer<typeof WorkspaceRecordSchema>;

export const PortSchema = z
  .object({
    port: z.int(),
    url: z.string().meta({ description: 'Where the app is reached: /workspace/{name}/port/{port}/' }),
    listening: z
      .boolean()
      .nullable()
      .meta({ description: 'Whether an app answers on it, as the worker last saw; null until checked' }),
    sharing: z.enum(PORT_SHARING_LEVELS).meta({
      description:
        'Who may reach it: private (the owner), authenticated (anyone signed in), public (anyone, no sign-in)',
    }),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'Port' });
export type Port = z.infer<typeof PortSchema>;

export const WorkspaceSchema = WorkspaceRecordSchema.extend({
  ideUrl: z.string(),
  ports: z.array(PortSchema),
  actions: z.array(z.enum(WORKSPACE_ACTIONS)).meta({ description: 'What the workspace allows now' }),
}).meta({ id: 'Workspace' });
export type Workspace = z.infer<typeof WorkspaceSchema>;

export const WorkspacePageSchema = z.object({
  items: z.array(WorkspaceSchema),
  nextCursor: z.string().nullable(),
});
export type WorkspacePage = z.infer<typeof WorkspacePageSchema>;
export const PortListSchema = z.object({ items: z.array(PortSchema) });

/** What a workspace may ask for: set by the server's machine (see readLimits). */
export interface ResourceLimits {
  defaultCpus: number;
  maxCpus: number;
  defaultMemoryMiB: number;
  minMemoryMiB: number;
  maxMemoryMiB: number;
}

const nameProblem = (name: unknown): RequestProblem | undefined => {
  const problem = workspaceNameProblem(name);
  return problem
    ? { code: 'invalid_name', message: `Invalid workspace name: ${problem}.`, details: { field: 'name' } }
    : undefined;
};

const workspaceName = checkedField<string>(nameProblem, {
  type: 'string',
  pattern: WORKSPACE_NAME_PATTERN.source,
  maxLength: MAX_WORKSPACE_NAME_LENGTH,
  description: 'A DNS label: lowercase letters, digits and inner hyphens',
});

/** An optional integer field; absent or null takes the default. */
function integerIn(field: string, min: number, max: number, fallback: number) {
  const problem = (input: unknown): RequestProblem | undefined => {
    const value = input ?? fallback;
    return typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max
      ? {
          code: `invalid_${field.toLowerCase()}`,
          message: `${field} must be an integer from ${min} to ${max}.`,
          details: { field, min, max },
        }
      : undefined;
  };
  return checkedField<number | null>(problem, {
    type: 'integer',
    minimum: min,
    maximum: max,
    default: fallback,
  })
    .optional()
    .transform((value) => value ?? fallback);
}

/** `POST /api/workspaces`; the bounds are the server's (its machine's) limits. */
export function createWorkspaceBody(limits: ResourceLimits) {
  return requestBody({
    name: workspaceName,
    cpus: integerIn('cpus', 1, limits.maxCpus, limits.defaultCpus),
    memoryMiB: integerIn('memoryMiB', limits.minMemoryMiB, limits.maxMemoryMiB, limits.defaultMemoryMiB),
    idleTimeoutMinutes: idleTimeoutField(),
  });
}

const idleTimeoutField = () =>
  integerIn('idleTimeoutMinutes', 0, MAX_IDLE_TIMEOUT_MINUTES, DEFAULT_IDLE_TIMEOUT_MINUTES).meta({
    description: `Minutes without activity before the workspace is suspended; 0 = never (default ${DEFAULT_IDLE_TIMEOUT_MINUTES})`,
  });

/** `PATCH /api/workspaces/{id}`: what can change after create (required: a PATCH that changes nothing is a mistake). */
export const UpdateWorkspaceBodySchema = requestBody({
  idleTimeoutMinutes: checkedField<number>(
    (value) =>
      typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_IDLE_TIMEOUT_MINUTES
        ? {
            code: 'invalid_idletimeoutminutes',
            message: `idleTimeoutMinutes must be an integer from 0 (never) to ${MAX_IDLE_TIMEOUT_MINUTES}.`,
            details: { field: 'idleTimeoutMinutes', min: 0, max: MAX_IDLE_TIMEOUT_MINUTES },
          }
        : undefined,
    { type: 'integer', minimum: 0, maximum: MAX_IDLE_TIMEOUT_MINUTES },
  ),
}).meta({ description: 'The settings to change' });
export type UpdateWorkspaceBody = z.input<typeof UpdateWorkspaceBodySchema>;
export type CreateWorkspaceBody = z.input<ReturnType<typeof createWorkspaceBody>>;
export type CreateWorkspaceInput = z.output<ReturnType<typeof createWorkspaceBody>>;

const PORT_KEYWORDS = { type: 'integer', minimum: 1, maximum: 65535 };

const sharingProblem = (input: unknown): RequestProblem | undefined =>
  input === undefined || isPortSharing(input)
    ? undefined
    : {
        code: 'invalid_sharing',
        message: `Invalid sharing ${JSON.stringify(input)}: one of ${PORT_SHARING_LEVELS.join(', ')}.`,
        details: { field: 'sharing', allowed: [...PORT_SHARING_LEVELS] },
      };

const SHARING_KEYWORDS = { type: 'string', enum: [...PORT_SHARING_LEVELS] };

/** A sharing level that may be left out (the port is then private). */
const optionalSharing = checkedField<PortSharing | undefined>(sharingProblem, {
  ...SHARING_KEYWORDS,
  default: DEFAULT_PORT_SHARING,
})
  .optional()
  .transform((value): PortSharing => value ?? DEFAULT_PORT_SHARING);

export const PortBodySchema = requestBody({
  port: checkedField<number>((port) => {
    const problem = portProblem(port);
    return problem
      ? { code: 'invalid_port', message: `Invalid port: ${problem}.`, details: { field: 'port' } }
      : undefined;
  }, PORT_KEYWORDS),
  sharing: optionalSharing,
}).meta({ description: `A guest port to forward (at most ${MAX_PORTS_PER_WORKSPACE} a workspace)` });
export type PortBody = z.input<typeof PortBodySchema>;

/** `PATCH /api/workspaces/{id}/ports/{port}`: a new sharing level. */
export const PortUpdateBodySchema = requestBody({
  sharing: checkedField<PortSharing>(
    (input) =>
      input === undefined
        ? {
            code: 'invalid_sharing',
            message: `sharing is required: one of ${PORT_SHARING_LEVELS.join(', ')}.`,
            details: { field: 'sharing', allowed: [...PORT_SHARING_LEVELS] },
          }
        : sharingProblem(input),
    SHARING_KEYWORDS,
  ),
}).meta({ description: 'Who may reach the port from now on' });
export type PortUpdateBody = z.infer<typeof PortUpdateBodySchema>;

export const WorkspaceParamsSchema = z.object({
  id: z.string().meta({ description: 'The workspace id (ws_...) or its name.' }),
});

export const PortParamsSchema = WorkspaceParamsSchema.extend({
  port: checkedField<string>((raw) => {
    const port = typeof raw === 'string' && /^\d{1,5}$/.test(raw) ? Number(raw) : Number.NaN;
    const problem = portProblem(port);
    return problem
      ? { code: 'invalid_port', message: `Invalid port ${JSON.stringify(raw)}: ${problem}.` }
      : undefined;
  }, PORT_KEYWORDS).transform(Number),
});

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 200;

export const WorkspaceListQuerySchema = z.object({
  limit: queryParam(
    checkedField<string>(
      (raw) => {
        const limit = Number(raw);
        return !Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE
          ? { code: 'invalid_limit', message: `limit must be an integer from 1 to ${MAX_PAGE_SIZE}.` }
          : undefined;
      },
      { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE },
    ),
  ).transform((raw) => (raw === undefined ? DEFAULT_PAGE_SIZE : Number(raw))),
  cursor: queryParam(
    checkedField<string>(
      (raw) =>
        workspaceNameProblem(raw)
          ? { code: 'invalid_cursor', message: 'cursor must be a nextCursor value from a previous page.' }
          : undefined,
      { type: 'string', description: 'nextCursor of the previous page' },
    ),
  ),
});
export type WorkspaceListQuery = z.output<typeof WorkspaceListQuerySchema>;
