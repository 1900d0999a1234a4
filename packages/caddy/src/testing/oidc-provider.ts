import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A minimal OpenID Connect provider on loopback for tests: discovery, an authorization endpoint that
 * logs in {@link TestOidcProvider.account} without a form, a token endpoint that checks the client
 * and the code, RS256 ID tokens (with the caller's nonce) and their JWKS.
 */
export interface TestOidcProvider extends AsyncDisposable {
  readonly issuer: string;
  readonly metadataUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Who the next authorization logs in. */
  account: { sub: string; email: string };
  /** How many codes were exchanged (proves a login really went through the provider). */
  readonly tokensIssued: () => number;
  close(): Promise<void>;
}

function base64url(value: Buffer | string): string {
  return Buffer.from(value).toString('base64url');
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

export async function startTestOidcProvider(): Promise<TestOidcProvider> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = base64url(randomBytes(8));
  const clientId = 'rockpool-test';
  const clientSecret = base64url(randomBytes(24));
  const codes = new Map<
    string,
    { nonce: string; account: TestOidcProvider['account']; redirectUri: string }
  >();
  let issued = 0;
  let issuer = '';
  const provider = {
    account: { sub: 'alice', email: 'alice@example.test' },
  };

  const idToken = (account: TestOidcProvider['account'], nonce: string) => {
    const now = Math.floor(Date.now() / 1000);
    const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
    const payload = base64url(
      JSON.stringify({
        iss: issuer,
        aud: clientId,
        iat: now,
        exp: now + 300,
        nonce,
        ...account,
        name: account.sub,
      }),
    );
    const signature = sign('RSA-SHA256', Buffer.from(`${header}.${payload}`), privateKey);
    return `${header}.${payload}.${base64url(signature)}`;
  };

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/.well-known/openid-configuration')
      return json(200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
      });
    if (url.pathname === '/jwks')
      return json(200, { keys: [{ ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' }] });
    if (url.pathname === '/authorize') {
      const redirectUri = url.searchParams.get('redirect_uri') ?? '';
      if (url.searchParams.get('client_id') !== clientId || !redirectUri)
        return json(400, { error: 'invalid_request' });
      const code = base64url(randomBytes(16));
      codes.set(code, {
        nonce: url.searchParams.get('nonce') ?? '',
        account: { ...provider.account },
        redirectUri,
      });
      const back = new URL(redirectUri);
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { Location: back.toString() });
      return res.end();
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      const form = new URLSearchParams(await readBody(req));
      const basic = req.headers.authorization?.startsWith('Basic ')
        ? Buffer.from(req.headers.authorization.slice(6), 'base64')
            .toString()
            .split(':')
            .map(decodeURIComponent)
        : [form.get('client_id'), form.get('client_secret')];
      if (basic[0] !== clientId || basic[1] !== clientSecret) return json(401, { error: 'invalid_client' });
      const grant = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      if (!grant || grant.redirectUri !== form.get('redirect_uri'))
        return json(400, { error: 'invalid_grant' });
      issued += 1;
      return json(200, {
        access_token: base64url(randomBytes(16)),
        token_type: 'Bearer',
        expires_in: 300,
        id_token: idToken(grant.account, grant.nonce),
      });
    }
    json(404, { error: 'not_found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
    return closing;
  };
  return Object.assign(provider, {
    issuer,
    metadataUrl: `${issuer}/.well-known/openid-configuration`,
    clientId,
    clientSecret,
    tokensIssued: () => issued,
    close,
    [Symbol.asyncDispose]: close,
  });
}
