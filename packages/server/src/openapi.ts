import type { ResourceLimits } from './validation.js';

const error = { $ref: '#/components/schemas/Error' };
const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: error } },
});
const json = (schema: unknown, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const query = (name: string, description: string, schema: Record<string, unknown>) => ({
  name,
  in: 'query',
  description,
  schema,
});
const idParam = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'The workspace id (ws_...) or its name.',
  schema: { type: 'string' },
};

/** The OpenAPI 3.1 description of the API, served at /api/openapi.json. */
export function openApiDocument(limits: ResourceLimits) {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Rockpool API',
      version: '0.1.0',
      description:
        'Workspaces are VMs running code-server. Every error is `{error: {code, message, ...}}`. State-changing requests from another browser origin are refused (403 cross_origin_request).',
    },
    servers: [{ url: '/' }],
    paths: {
      '/api/health': {
        get: {
          summary: 'Health of the server, the database and the worker (no credentials needed)',
          responses: {
            200: json({ $ref: '#/components/schemas/Health' }, 'All healthy'),
            503: json({ $ref: '#/components/schemas/Health' }, 'Degraded'),
          },
        },
      },
      '/api/me': {
        get: {
          summary: 'Who the edge says you are',
          responses: {
            200: json({ type: 'object', properties: { user: { type: 'string' } } }, 'The signed-in user'),
          },
        },
      },
      '/api/users': {
        get: {
          summary: 'Users the edge lets in, and whether client certificates can be issued (mtls-app)',
          responses: {
            200: json(
              {
                type: 'object',
                properties: {
                  items: {
                    type: 'array',
                    items: { type: 'object', properties: { name: { type: 'string' } } },
                  },
                  clientCertificates: { type: 'boolean' },
                },
              },
              'The users',
            ),
          },
        },
      },
      '/api/users/{name}/client-certificate': {
        parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
        post: {
          summary:
            'A client certificate for this user (mtls-app): a .p12, valid one year, protected by the password',
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['password'],
                  properties: { password: { type: 'string', minLength: 8, maxLength: 256 } },
                },
              },
            },
          },
          responses: {
            200: {
              description: 'The .p12 (PKCS#12) file to import into a browser',
              content: { 'application/x-pkcs12': { schema: { type: 'string', format: 'binary' } } },
            },
            400: errorResponse('Invalid password (too short or too long)'),
            404: errorResponse('No such user'),
            409: errorResponse('The access mode is not mtls-app'),
          },
        },
      },
      '/api/events': {
        get: {
          summary: 'Server-sent events: a snapshot of all workspaces, then each change (workspace, removed)',
          responses: { 200: { description: 'text/event-stream' } },
        },
      },
      '/api/openapi.json': {
        get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1' } } },
      },
      '/api/workspaces': {
        get: {
          summary: 'List workspaces, ordered by name',
          parameters: [
            {
              name: 'limit',
              in: 'query',
              schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
            },
            {
              name: 'cursor',
              in: 'query',
              schema: { type: 'string' },
              description: 'nextCursor of the previous page',
            },
          ],
          responses: {
            200: json(
              {
                type: 'object',
                properties: {
                  items: { type: 'array', items: { $ref: '#/components/schemas/Workspace' } },
                  nextCursor: { type: ['string', 'null'] },
                },
              },
              'A page of workspaces',
            ),
            400: errorResponse('Invalid limit or cursor'),
          },
        },
        post: {
          summary: 'Create a workspace; it boots in the background (watch state and phase)',
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['name'],
                  additionalProperties: false,
                  properties: {
                    name: { type: 'string', pattern: '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$' },
                    cpus: {
                      type: 'integer',
                      minimum: 1,
                      maximum: limits.maxCpus,
                      default: limits.defaultCpus,
                    },
                    memoryMiB: {
                      type: 'integer',
                      minimum: limits.minMemoryMiB,
                      maximum: limits.maxMemoryMiB,
                      default: limits.defaultMemoryMiB,
                    },
                  },
                },
              },
            },
          },
          responses: {
            201: json({ $ref: '#/components/schemas/Workspace' }, 'Created; state is creating'),
            400: errorResponse('Invalid name, cpus or memory'),
            409: errorResponse('The name is taken (name_taken)'),
          },
        },
      },
      '/api/workspaces/{id}': {
        parameters: [idParam],
        get: {
          summary: 'One workspace',
          responses: {
            200: json({ $ref: '#/components/schemas/Workspace' }, 'The workspace'),
            404: errorResponse('No such workspace'),
          },
        },
        delete: {
          summary: 'Delete the workspace: its routes, VM and disk',
          responses: {
            202: json({ $ref: '#/components/schemas/Workspace' }, 'Deleting'),
            404: errorResponse('No such workspace'),
            409: errorResponse('Already deleting'),
          },
        },
      },
      '/api/workspaces/{id}/start': {
        parameters: [idParam],
        post: {
          summary: 'Start a stopped workspace, or retry one in error',
          responses: {
            202: json({ $ref: '#/components/schemas/Workspace' }, 'Starting'),
            404: errorResponse('No such workspace'),
            409: errorResponse('Not allowed in the current state'),
          },
        },
      },
      '/api/workspaces/{id}/stop': {
        parameters: [idParam],
        post: {
          summary: 'Stop a running workspace (its disk is kept)',
          responses: {
            202: json({ $ref: '#/components/schemas/Workspace' }, 'Stopping'),
            404: errorResponse('No such workspace'),
            409: errorResponse('Not allowed in the current state'),
          },
        },
      },
      '/api/workspaces/{id}/ports': {
        parameters: [idParam],
        get: {
          summary: 'Forwarded ports',
          responses: {
            200: json(
              {
                type: 'object',
                properties: { items: { type: 'array', items: { $ref: '#/components/schemas/Port' } } },
              },
              'Ports',
            ),
          },
        },
        post: {
          summary:
            'Forward a guest port to /workspace/{name}/port/{port}/ (at most 5); 502 until something listens',
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['port'],
                  additionalProperties: false,
                  properties: { port: { type: 'integer', minimum: 1, maximum: 65535 } },
                },
              },
            },
          },
          responses: {
            201: json({ $ref: '#/components/schemas/Port' }, 'Forwarded'),
            400: errorResponse('Port outside 1-65535 (invalid_port)'),
            409: errorResponse('Already forwarded (port_exists), or a sixth port (port_limit)'),
            502: errorResponse('The worker could not forward it (nothing was kept)'),
          },
        },
      },
      '/api/workspaces/{id}/ports/{port}': {
        parameters: [idParam, { name: 'port', in: 'path', required: true, schema: { type: 'integer' } }],
        delete: {
          summary: 'Stop forwarding a port',
          responses: { 204: { description: 'Removed' }, 404: errorResponse('Not forwarded') },
        },
      },
      '/api/logs': {
        get: {
          summary: "Caddy's access logs (both servers), newest first, with filters",
          parameters: [
            query('server', 'control-plane (srv0) or workspaces (srv1)', {
              type: 'string',
              enum: ['control-plane', 'workspaces'],
            }),
            query('status', 'An exact status (404) or a class (5xx)', { type: 'string' }),
            query('user', 'The authenticated user id, exactly', { type: 'string' }),
            query('path', 'A substring of the request URI, or a prefix when it ends in * (/api/*)', {
              type: 'string',
            }),
            query('since', 'ISO time: entries at or after it', { type: 'string', format: 'date-time' }),
            query('until', 'ISO time: entries at or before it', { type: 'string', format: 'date-time' }),
            query('limit', 'Page size, 1-500 (default 100)', { type: 'integer', minimum: 1, maximum: 500 }),
            query('cursor', 'nextCursor of the previous page', { type: 'string' }),
          ],
          responses: {
            200: json(
              {
                type: 'object',
                properties: {
                  items: { type: 'array', items: { $ref: '#/components/schemas/AccessLogEntry' } },
                  nextCursor: { type: ['string', 'null'] },
                },
              },
              'A page of entries',
            ),
            400: errorResponse('A filter value is invalid (invalid_filter, naming the parameter)'),
          },
        },
      },
    },
    components: {
      schemas: {
        AccessLogEntry: {
          type: 'object',
          description: 'One request through the edge. Headers (and so credentials) are never stored.',
          properties: {
            id: { type: 'integer' },
            time: { type: 'string', format: 'date-time' },
            server: { type: 'string', enum: ['control-plane', 'workspaces'] },
            method: { type: 'string' },
            host: { type: 'string' },
            path: { type: 'string', description: 'The request URI (path and query)' },
            status: { type: 'integer' },
            durationMs: { type: 'number' },
            size: { type: 'integer', description: 'Response body bytes' },
            userId: { type: ['string', 'null'] },
            remoteIp: { type: 'string' },
            userAgent: { type: ['string', 'null'] },
            workspace: { type: ['string', 'null'], description: 'For /workspace/{name}/... requests' },
          },
        },
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: { code: { type: 'string' }, message: { type: 'string' } },
            },
          },
        },
        Port: {
          type: 'object',
          properties: {
            port: { type: 'integer' },
            url: { type: 'string' },
            createdAt: { type: 'string', format: 'date-time' },
          },
        },
        Workspace: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            name: { type: 'string' },
            state: { enum: ['creating', 'starting', 'running', 'stopping', 'stopped', 'deleting', 'error'] },
            phase: {
              enum: [
                'queued',
                'vm_creating',
                'vm_starting',
                'ide_starting',
                'routing',
                'ready',
                'stopping',
                'stopped',
                'deleting',
                'failed',
              ],
            },
            cpus: { type: 'integer' },
            memoryMiB: { type: 'integer' },
            error: { type: ['string', 'null'] },
            owner: { type: 'string' },
            ideUrl: { type: 'string' },
            ports: { type: 'array', items: { $ref: '#/components/schemas/Port' } },
            actions: { type: 'array', items: { enum: ['start', 'stop', 'delete'] } },
            createdAt: { type: 'string', format: 'date-time' },
            updatedAt: { type: 'string', format: 'date-time' },
          },
        },
        Health: {
          type: 'object',
          properties: {
            status: { enum: ['ok', 'degraded'] },
            server: { type: 'object' },
            database: { type: 'object' },
            worker: { type: 'object' },
          },
        },
      },
    },
  };
}
