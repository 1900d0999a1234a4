import { createRoute } from '@hono/zod-openapi';
import type { StoredUser } from '@rockpool/db';
import {
  CreatedUserSchema,
  CreateUserBodySchema,
  checkedField,
  UpdateUserBodySchema,
  type User,
  UserListSchema,
  UserParamsSchema,
  UserSchema,
} from '@rockpool/model';
import { MIN_P12_PASSWORD_LENGTH, p12PasswordProblem } from '@rockpool/pki';
import type { Context } from 'hono';
import { z } from 'zod';
import type { UserAdmin } from '../auth/user-admin.js';
import { requireAdmin, type Viewer, viewerOf } from '../auth/viewer.js';
import type { EdgeUsers } from '../edge-users.js';
import { conflict, notFound } from '../errors.js';
import { newRouter, parseRequest, readJson, serve } from '../request.js';
import { error, json, jsonBody } from './responses.js';

const MAX_P12_PASSWORD_LENGTH = 256;

/** A body that is not an object carries no password, and is answered as a missing one. */
const ClientCertificateBodySchema = z.preprocess(
  (body) => (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}),
  z.object({
    password: checkedField<string>(
      (password) => {
        const problem = p12PasswordProblem(password);
        return problem
          ? { code: 'invalid_password', message: `${problem[0]?.toUpperCase()}${problem.slice(1)}.` }
          : undefined;
      },
      { type: 'string', minLength: MIN_P12_PASSWORD_LENGTH, maxLength: MAX_P12_PASSWORD_LENGTH },
    ),
  }),
);

const list = createRoute({
  method: 'get',
  path: '/users',
  summary:
    'Users the edge lets in (an admin sees all, a member themselves), and whether client certificates can be issued',
  responses: { 200: json(UserListSchema, 'The users') },
});

const add = createRoute({
  method: 'post',
  path: '/users',
  summary: 'Add a basic-auth user (admins); the edge admits them when this answers, without a restart',
  request: { body: jsonBody(CreateUserBodySchema) },
  responses: {
    201: json(CreatedUserSchema, 'Added; a generated password is returned this once'),
    400: error('Invalid name, role or password'),
    403: error('Not an admin (admin_only)'),
    409: error('The name is taken (user_exists)'),
    502: error('The worker could not write the edge (the user is saved)'),
    504: error('The worker has not written the edge yet (the user is saved)'),
  },
});

const update = createRoute({
  method: 'patch',
  path: '/users/{name}',
  summary: "Change a basic-auth user's role or password (admins)",
  request: { params: UserParamsSchema, body: jsonBody(UpdateUserBodySchema) },
  responses: {
    200: json(UserSchema, 'Changed'),
    400: error('Invalid role or password'),
    403: error('Not an admin (admin_only)'),
    404: error('No such basic-auth user'),
    409: error('The last admin cannot become a member (last_admin)'),
    502: error('The worker could not write the edge (the change is saved)'),
    504: error('The worker has not written the edge yet (the change is saved)'),
  },
});

const remove = createRoute({
  method: 'delete',
  path: '/users/{name}',
  summary: 'Remove a basic-auth user (admins); the edge refuses them when this answers',
  request: { params: UserParamsSchema },
  responses: {
    204: { description: 'Removed' },
    403: error('Not an admin (admin_only)'),
    404: error('No such basic-auth user'),
    409: error('The last admin cannot be removed (last_admin)'),
    502: error('The worker could not write the edge (the user is removed)'),
    504: error('The worker has not written the edge yet (the user is removed)'),
  },
});

const clientCertificate = createRoute({
  method: 'post',
  path: '/users/{name}/client-certificate',
  summary:
    'A client certificate for this user, its CN the user name (mtls-app): a .p12, valid one year, protected by the password. Members get their own only',
  request: { params: UserParamsSchema, body: jsonBody(ClientCertificateBodySchema) },
  responses: {
    200: {
      description: 'The .p12 (PKCS#12) file to import into a browser',
      content: { 'application/x-pkcs12': { schema: z.string().meta({ format: 'binary' }) } },
    },
    400: error('Invalid password (too short or too long)'),
    404: error('No such user (or, for a member, not themselves)'),
    409: error('The access mode is not mtls-app'),
  },
});

const presentStored = (user: StoredUser): User => ({
  name: user.name,
  role: user.role,
  source: 'basic',
  createdAt: user.createdAt,
});

/** What `viewer` may see of the users: all for an admin, themselves for a member. */
async function visibleUsers(edgeUsers: EdgeUsers | undefined, viewer: Viewer): Promise<User[]> {
  const known = (await edgeUsers?.users()) ?? [];
  if (viewer.role === 'admin') return known;
  const self = known.find((user) => user.name === viewer.name);
  return self ? [self] : [];
}

function userAdminOf(c: Context, userAdmin: UserAdmin | undefined): UserAdmin {
  requireAdmin(c);
  if (!userAdmin) throw conflict('users_unmanaged', 'This server does not manage users.');
  return userAdmin;
}

/** The users the edge knows, their management (admins) and client certificates (Settings → Users). */
export function userRoutes(edgeUsers: EdgeUsers | undefined, userAdmin: UserAdmin | undefined) {
  const router = newRouter();
  serve(router, list, async (c) =>
    c.json(
      {
        items: await visibleUsers(edgeUsers, viewerOf(c)),
        clientCertificates: (await edgeUsers?.clientCertificatesEnabled()) ?? false,
      },
      200,
    ),
  );
  serve(router, add, async (c) => {
    const added = await userAdminOf(c, userAdmin).add(c.req.valid('json'));
    return c.json(
      { ...presentStored(added.user), ...(added.password ? { password: added.password } : {}) },
      201,
    );
  });
  serve(router, update, async (c) => {
    const admin = userAdminOf(c, userAdmin);
    return c.json(presentStored(await admin.update(c.req.valid('param').name, c.req.valid('json'))), 200);
  });
  serve(router, remove, async (c) => {
    await userAdminOf(c, userAdmin).remove(c.req.valid('param').name);
    return c.body(null, 204);
  });
  // The mode and the user are checked before the password: a wrong mode is the answer that helps.
  serve(
    router,
    clientCertificate,
    async (c) => {
      if (!edgeUsers || !(await edgeUsers.clientCertificatesEnabled()))
        throw conflict(
          'client_certificates_disabled',
          'Client certificates are issued only in the mtls-app access mode (rockpool reconfigure --access mtls-app).',
        );
      const { name } = c.req.valid('param');
      // A certificate belongs to one known user, its CN their name (a GitHub user's: their login,
      // as a CN and a path segment hold no slash); a member gets their own only.
      const known = (await visibleUsers(edgeUsers, viewerOf(c))).some(
        (user) => user.name === name || (user.source === 'github' && user.name === `github.com/${name}`),
      );
      if (!known) throw notFound(`No user named ${JSON.stringify(name)}.`);
      const { password } = parseRequest(ClientCertificateBodySchema, await readJson(c));
      const p12 = await edgeUsers.issue(name, password);
      return c.body(new Uint8Array(p12), 200, {
        'Content-Type': 'application/x-pkcs12',
        'Content-Disposition': `attachment; filename="${name}.p12"`,
        'Cache-Control': 'no-store',
      });
    },
    { checkBodyInHandler: true },
  );
  return router;
}
