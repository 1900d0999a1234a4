import { createRoute } from '@hono/zod-openapi';
import { checkedField, UserListSchema, UserParamsSchema } from '@rockpool/model';
import { MIN_P12_PASSWORD_LENGTH, p12PasswordProblem } from '@rockpool/pki';
import { z } from 'zod';
import type { EdgeUsers } from '../edge-users.js';
import { conflict, notFound } from '../errors.js';
import { userOf } from '../present.js';
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
  summary: 'Users the edge lets in, and whether client certificates can be issued (mtls-app)',
  responses: { 200: json(UserListSchema, 'The users') },
});

const clientCertificate = createRoute({
  method: 'post',
  path: '/users/{name}/client-certificate',
  summary: 'A client certificate for this user (mtls-app): a .p12, valid one year, protected by the password',
  request: { params: UserParamsSchema, body: jsonBody(ClientCertificateBodySchema) },
  responses: {
    200: {
      description: 'The .p12 (PKCS#12) file to import into a browser',
      content: { 'application/x-pkcs12': { schema: z.string().meta({ format: 'binary' }) } },
    },
    400: error('Invalid password (too short or too long)'),
    404: error('No such user'),
    409: error('The access mode is not mtls-app'),
  },
});

/** The users the edge knows, and client certificates for them (Settings → Users). */
export function userRoutes(edgeUsers: EdgeUsers | undefined) {
  const router = newRouter();
  serve(router, list, async (c) => {
    const known = (await edgeUsers?.users()) ?? [];
    const names = [...new Set([...known, userOf(c)])].filter((name) => name !== 'anonymous');
    return c.json(
      {
        items: names.map((name) => ({ name })),
        clientCertificates: (await edgeUsers?.clientCertificatesEnabled()) ?? false,
      },
      200,
    );
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
      if (!(await edgeUsers.users()).includes(name)) throw notFound(`No user named ${JSON.stringify(name)}.`);
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
