import { createRoute } from '@hono/zod-openapi';
import { CLIENT_IP_HEADER } from '@rockpool/caddy';
import type { WorkspaceAddressing } from '@rockpool/model';
import type { Context } from 'hono';
import { z } from 'zod';
import { CookieDomainError, sessionCookieDomain } from '../auth/cookie-domain.js';
import { type CookieScope, clearedSessionCookie, type Sessions, sessionCookie } from '../auth/sessions.js';
import { ApiError } from '../errors.js';
import { workspaceAddressing } from '../present.js';
import { newRouter, serve } from '../request.js';
import { error, json, jsonBody } from './responses.js';

export const SignInBodySchema = z
  .object({
    username: z.string().min(1).max(64).describe('The user name'),
    password: z.string().min(1).max(1024).describe('The password'),
  })
  .openapi('SignIn');

const SignedInSchema = z
  .object({
    user: z.string().describe('Who is signed in'),
    expiresAt: z.string().describe('When the session ends (ISO 8601)'),
  })
  .openapi('SignedIn');

const signIn = createRoute({
  method: 'post',
  path: '/session',
  summary:
    'Sign in with a password: sets the session cookie (HttpOnly), which the edge checks on the control plane and every workspace',
  request: { body: jsonBody(SignInBodySchema) },
  responses: {
    200: json(SignedInSchema, 'Signed in; the session is in the Set-Cookie header'),
    401: error('Wrong user name or password (invalid_credentials)'),
    429: error('Too many failed sign-ins from this address (too_many_sign_in_failures); see Retry-After'),
  },
});

const signOut = createRoute({
  method: 'delete',
  path: '/session',
  summary: "Sign out: clears this browser's session cookie (on every origin it covers)",
  responses: { 204: { description: 'Signed out' } },
});

/** Where the client is: the edge says (from Caddy's `client_ip`, never from the request). */
export const clientIpOf = (c: Context): string => c.req.header(CLIENT_IP_HEADER) ?? 'unknown';

/** What the session cookie's scope is decided from (see sessionCookieDomain). */
export interface CookieSite {
  /** The configured addressing of the workspaces; the edge's header overrides it (workspaceAddressing). */
  workspaces: WorkspaceAddressing;
  /** The control plane's host as browsers reach it (`rockpool up` sets it); undefined: the request's. */
  controlPlaneHost?: string;
}

const requestHost = (c: Context): string =>
  (c.req.header('x-forwarded-host') ?? c.req.header('host') ?? '').replace(/:\d+$/, '');

/**
 * Secure over HTTPS (the edge's X-Forwarded-Proto). Host-only in path mode; in subdomain mode the
 * Domain that covers the control plane and every workspace host. `rockpool up` refuses settings for
 * which there is none, so the 500 here means the server was started some other way.
 */
export function cookieScopeOf(c: Context, site: CookieSite): CookieScope {
  let domain: string | undefined;
  try {
    domain = sessionCookieDomain(
      site.controlPlaneHost ?? requestHost(c),
      workspaceAddressing(c, site.workspaces),
    );
  } catch (failure) {
    if (failure instanceof CookieDomainError) throw new ApiError(500, failure.code, failure.message);
    throw failure;
  }
  return { secure: c.req.header('x-forwarded-proto') === 'https', ...(domain ? { domain } : {}) };
}

/**
 * Sign-out's Set-Cookie headers: the session cookie cleared with the scope it was set with, and, when
 * that has a Domain, the host-only one too (left by an earlier path-mode run; both would be sent).
 */
export function clearSessionCookies(c: Context, scope: CookieScope): void {
  c.header('Set-Cookie', clearedSessionCookie(scope), { append: true });
  if (scope.domain) c.header('Set-Cookie', clearedSessionCookie({ secure: scope.secure }), { append: true });
}

/** The 429 of a spent sign-in budget, with Retry-After; any other error as it is. */
export function answerSignInError(c: Context, failure: unknown): Response {
  if (failure instanceof ApiError && failure.status === 429)
    return c.json(failure.toJSON(), 429, {
      'Retry-After': String(failure.details.retryAfterSeconds ?? 60),
    });
  throw failure;
}

/** `/api/session`: password sign-in and sign-out. */
export function sessionRoutes(sessions: Sessions, site: CookieSite) {
  const router = newRouter();
  serve(router, signIn, async (c) => {
    const { username, password } = c.req.valid('json');
    try {
      const signed = await sessions.signIn(username, password, clientIpOf(c));
      c.header('Set-Cookie', sessionCookie(signed.token, cookieScopeOf(c, site), sessions.lifetimeS));
      c.header('Cache-Control', 'no-store');
      return c.json({ user: signed.user, expiresAt: signed.expiresAt.toISOString() }, 200);
    } catch (failure) {
      return answerSignInError(c, failure) as never;
    }
  });
  serve(router, signOut, (c) => {
    clearSessionCookies(c, cookieScopeOf(c, site));
    return c.body(null, 204);
  });
  return router;
}
