import { isWorkspaceUrl, type WorkspaceAddressing } from '@rockpool/model';
import type { Context } from 'hono';
import { Hono } from 'hono';
import type { Sessions } from '../auth/sessions.js';
import { sessionCookie } from '../auth/sessions.js';
import { ApiError } from '../errors.js';
import { workspaceAddressing } from '../present.js';
import { type CookieSite, clientIpOf, cookieScopeOf } from './session.js';

/**
 * The page's Content-Security-Policy. Chromium applies `form-action` to the redirects that follow a
 * form's submission too, so the origin the form's answer redirects to (a workspace's IDE or port
 * host, or the workspace origin in path mode) is allowed besides the page's own; with `'self'` alone
 * the browser refused the redirect and stayed on the sign-in page.
 */
export function pagePolicy(redirect: string): string {
  const target = redirect.startsWith('/') ? undefined : new URL(redirect).origin;
  const formAction = target ? `'self' ${target}` : "'self'";
  return `default-src 'none'; style-src 'unsafe-inline'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function page(redirect: string, problem?: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in · Rockpool</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:22rem;margin:5rem auto;padding:0 1rem;color:#1f2937}
label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.45rem;box-sizing:border-box;font:inherit}
button{margin-top:1.2rem;padding:.5rem 1.2rem;font:inherit}.problem{color:#b91c1c}</style>
</head><body><h1>Sign in to Rockpool</h1>
${problem ? `<p class="problem" role="alert">${escapeHtml(problem)}</p>` : ''}
<form method="post" action="/auth/">
<input type="hidden" name="redirect_url" value="${escapeHtml(redirect)}">
<label for="username">User name</label><input id="username" name="username" autocomplete="username" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form></body></html>`;
}

/**
 * Where to go after signing in: a path on the control plane, or a URL on the control plane's own
 * origin or on a workspace's (an IDE or a port: the edge sends a browser here with the page it asked
 * for; isWorkspaceUrl). Anything else is the dashboard: the page must not send a signed-in user to
 * another site.
 */
export function redirectTarget(
  c: Context,
  wanted: string | undefined,
  workspaces: WorkspaceAddressing,
): string {
  if (!wanted) return '/app/';
  if (wanted.startsWith('/') && !wanted.startsWith('//') && !wanted.startsWith('/\\')) return wanted;
  if (!URL.canParse(wanted)) return '/app/';
  const target = new URL(wanted);
  const own = `${c.req.header('x-forwarded-proto') ?? 'http'}://${c.req.header('x-forwarded-host') ?? c.req.header('host')}`;
  return target.origin === own || isWorkspaceUrl(workspaces, wanted) ? target.toString() : '/app/';
}

/** The sign-in page, its form sending the browser to `redirect` once signed in. */
const html = (
  c: Context,
  redirect: string,
  status: 200 | 401 | 429,
  problem?: string,
  headers: Record<string, string> = {},
) =>
  c.html(page(redirect, problem), status, {
    'Content-Security-Policy': pagePolicy(redirect),
    'Cache-Control': 'no-store',
    ...headers,
  });

/** `/auth/`: the sign-in page of password users, a plain form (no script). */
export function signInPage(sessions: Sessions, site: CookieSite): Hono {
  const app = new Hono();
  app.get('/auth', (c) => c.redirect('/auth/', 308));
  app.get('/auth/', (c) => {
    const target = redirectTarget(c, c.req.query('redirect_url'), workspaceAddressing(c, site.workspaces));
    return html(c, target, 200);
  });
  app.post('/auth/', async (c) => {
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const field = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : '');
    const target = redirectTarget(c, field('redirect_url'), workspaceAddressing(c, site.workspaces));
    try {
      const signed = await sessions.signIn(field('username'), field('password'), clientIpOf(c));
      c.header('Set-Cookie', sessionCookie(signed.token, cookieScopeOf(c, site), sessions.lifetimeS));
      c.header('Cache-Control', 'no-store');
      return c.redirect(target, 303);
    } catch (failure) {
      if (!(failure instanceof ApiError) || (failure.status !== 401 && failure.status !== 429)) throw failure;
      const retry: Record<string, string> =
        failure.status === 429 ? { 'Retry-After': String(failure.details.retryAfterSeconds) } : {};
      return html(c, target, failure.status, failure.message, retry);
    }
  });
  return app;
}
