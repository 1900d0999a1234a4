import { USER_HEADER, WORKSPACES_PORT_HEADER } from '@rockpool/caddy';
import type { AccessLogStore, ForwardedPort } from '@rockpool/db';
import { p12PasswordProblem } from '@rockpool/pki';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { parseAccessLogQuery } from './access-log-query.js';
import type { EdgeUsers } from './edge-users.js';
import { ApiError, badRequest, conflict, notFound } from './errors.js';
import { WorkspaceEvents } from './events.js';
import { openApiDocument } from './openapi.js';
import type { WorkspaceService, WorkspaceWithPorts } from './service.js';
import { allowedActions } from './state-machine.js';
import {
  parseCreateWorkspace,
  parsePagination,
  parsePortBody,
  parsePortParam,
  type ResourceLimits,
} from './validation.js';

export interface AppOptions {
  service: WorkspaceService;
  limits: ResourceLimits;
  /** The workspace server's port (srv1), to build IDE and app URLs on the request's host. */
  workspacePort: number;
  /** Serves the dashboard's files for /app/*. */
  spa?: (path: string) => Promise<Response>;
  /** How often the event stream looks for changes. */
  eventIntervalMs?: number;
  /** Users known to the edge and their client certificates (mtls-app); without it, only the caller. */
  edgeUsers?: EdgeUsers;
  /** Caddy's access logs; without it /api/logs is not served. */
  accessLogs?: AccessLogStore;
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The REST API. Handlers are Request -> Response; `app.request()` runs it in tests without a socket. */
export function createApp(options: AppOptions): Hono {
  const { service } = options;
  const app = new Hono();

  app.onError((error, c) => {
    if (error instanceof ApiError) return c.json(error.toJSON(), error.status);
    console.error('unhandled error', error);
    return c.json({ error: { code: 'internal', message: 'Internal error; see the server log.' } }, 500);
  });
  app.notFound((c) =>
    c.json({ error: { code: 'not_found', message: `No route for ${c.req.method} ${c.req.path}.` } }, 404),
  );

  // Defence in depth behind the edge's own check: a browser page on another origin (a workspace
  // port is same-site) must not change state with the user's ambient credentials.
  app.use('/api/*', async (c, next) => {
    if (STATE_CHANGING.has(c.req.method)) {
      const site = c.req.header('sec-fetch-site');
      const origin = c.req.header('origin');
      const host = c.req.header('x-forwarded-host') ?? c.req.header('host');
      const proto = c.req.header('x-forwarded-proto') ?? 'http';
      if (
        site === 'same-site' ||
        site === 'cross-site' ||
        (origin !== undefined && origin !== `${proto}://${host}`)
      )
        throw new ApiError(
          403,
          'cross_origin_request',
          'State-changing requests must come from the Rockpool dashboard origin.',
        );
    }
    await next();
  });

  const user = (c: { req: { header(name: string): string | undefined } }) =>
    c.req.header(USER_HEADER) ?? 'anonymous';
  const urls = (c: { req: { header(name: string): string | undefined; url: string } }) => {
    const proto = c.req.header('x-forwarded-proto') ?? 'http';
    const host = (
      c.req.header('x-forwarded-host') ??
      c.req.header('host') ??
      new URL(c.req.url).host
    ).replace(/:\d+$/, '');
    // The edge says where the workspaces are now (rockpool reconfigure may have moved them).
    const fromEdge = c.req.header(WORKSPACES_PORT_HEADER);
    const port = fromEdge && /^\d{1,5}$/.test(fromEdge) ? fromEdge : options.workspacePort;
    return `${proto}://${host}:${port}`;
  };
  const present = (base: string, workspace: WorkspaceWithPorts) => ({
    ...workspace,
    ideUrl: `${base}/workspace/${workspace.name}/`,
    ports: workspace.ports.map((p) => presentPort(base, workspace.name, p)),
    actions: allowedActions(workspace.state),
  });
  const presentPort = (base: string, name: string, port: ForwardedPort) => ({
    port: port.port,
    url: `${base}/workspace/${name}/port/${port.port}/`,
    listening: port.listening,
    createdAt: port.createdAt,
  });
  const body = async (c: { req: { json(): Promise<unknown> } }) => {
    try {
      return await c.req.json();
    } catch {
      throw badRequest('invalid_json', 'The request body is not valid JSON.');
    }
  };

  app.get('/api/health', (c) => {
    const health = service.health();
    return c.json(health, health.status === 'ok' ? 200 : 503);
  });
  app.get('/api/me', (c) => c.json({ user: user(c) }));
  app.get('/api/openapi.json', (c) => c.json(openApiDocument(options.limits)));

  // Live updates for the dashboard: a snapshot, then each change as it happens.
  const events = new WorkspaceEvents(service.workspaces, () => service.all(), options.eventIntervalMs);
  app.get('/api/events', (c) => {
    const base = urls(c);
    return streamSSE(c, async (stream) => {
      const unsubscribe = events.subscribe((event) => {
        const data =
          event.type === 'snapshot'
            ? { type: event.type, workspaces: event.workspaces.map((w) => present(base, w)) }
            : event.type === 'workspace'
              ? { type: event.type, workspace: present(base, event.workspace) }
              : event;
        void stream.writeSSE({ event: event.type, data: JSON.stringify(data) });
      });
      const heartbeat = setInterval(() => void stream.writeSSE({ event: 'ping', data: '{}' }), 15_000);
      await new Promise<void>((resolve) => stream.onAbort(resolve));
      clearInterval(heartbeat);
      unsubscribe();
    });
  });

  app.get('/api/workspaces', (c) => {
    const page = service.list(parsePagination(c.req.query()));
    const base = urls(c);
    return c.json({ items: page.items.map((w) => present(base, w)), nextCursor: page.nextCursor ?? null });
  });
  app.post('/api/workspaces', async (c) => {
    const input = parseCreateWorkspace(await body(c), options.limits);
    const workspace = service.create(input, user(c));
    c.header('Location', `/api/workspaces/${workspace.id}`);
    return c.json(present(urls(c), workspace), 201);
  });
  app.get('/api/workspaces/:id', (c) => c.json(present(urls(c), service.get(c.req.param('id')))));
  app.delete('/api/workspaces/:id', (c) =>
    c.json(present(urls(c), service.act(c.req.param('id'), 'delete')), 202),
  );
  app.post('/api/workspaces/:id/start', (c) =>
    c.json(present(urls(c), service.act(c.req.param('id'), 'start')), 202),
  );
  app.post('/api/workspaces/:id/stop', (c) =>
    c.json(present(urls(c), service.act(c.req.param('id'), 'stop')), 202),
  );

  app.get('/api/workspaces/:id/ports', (c) => {
    const workspace = service.get(c.req.param('id'));
    const base = urls(c);
    return c.json({ items: workspace.ports.map((p) => presentPort(base, workspace.name, p)) });
  });
  app.post('/api/workspaces/:id/ports', async (c) => {
    const port = parsePortBody(await body(c));
    const workspace = service.get(c.req.param('id'));
    const added = await service.addPort(workspace.id, port);
    return c.json(presentPort(urls(c), workspace.name, added), 201);
  });
  app.delete('/api/workspaces/:id/ports/:port', async (c) => {
    await service.removePort(c.req.param('id'), parsePortParam(c.req.param('port')));
    return c.body(null, 204);
  });

  app.get('/api/users', async (c) => {
    const known = (await options.edgeUsers?.users()) ?? [];
    const names = [...new Set([...known, user(c)])].filter((name) => name !== 'anonymous');
    return c.json({
      items: names.map((name) => ({ name })),
      clientCertificates: (await options.edgeUsers?.clientCertificatesEnabled()) ?? false,
    });
  });
  app.post('/api/users/:name/client-certificate', async (c) => {
    const edgeUsers = options.edgeUsers;
    if (!edgeUsers || !(await edgeUsers.clientCertificatesEnabled()))
      throw conflict(
        'client_certificates_disabled',
        'Client certificates are issued only in the mtls-app access mode (rockpool reconfigure --access mtls-app).',
      );
    const name = c.req.param('name');
    if (!(await edgeUsers.users()).includes(name)) throw notFound(`No user named ${JSON.stringify(name)}.`);
    const input = (await body(c)) as { password?: unknown } | null;
    const problem = p12PasswordProblem(input?.password);
    if (problem) throw badRequest('invalid_password', `${problem[0]?.toUpperCase()}${problem.slice(1)}.`);
    const p12 = await edgeUsers.issue(name, input?.password as string);
    return c.body(new Uint8Array(p12), 200, {
      'Content-Type': 'application/x-pkcs12',
      'Content-Disposition': `attachment; filename="${name}.p12"`,
      'Cache-Control': 'no-store',
    });
  });
  const accessLogs = options.accessLogs;
  if (accessLogs)
    app.get('/api/logs', (c) => {
      const page = accessLogs.query(parseAccessLogQuery(c.req.query()));
      return c.json({
        items: page.items.map((entry) => ({ ...entry, time: new Date(entry.time).toISOString() })),
        nextCursor: page.nextCursor ?? null,
      });
    });

  const spa = options.spa;
  if (spa) {
    app.get('/app', (c) => c.redirect('/app/', 308));
    app.get('/app/*', (c) => spa(c.req.path));
  }

  return app;
}
