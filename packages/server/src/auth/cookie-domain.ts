import type { WorkspaceAddressing } from '@rockpool/model';
import { parse } from 'tldts';

/*
 * Which `Domain` the session cookie needs so that one sign-in on the control plane covers every
 * workspace host. Browsers store a cookie with `Domain=D` only when the host that sets it is D or
 * under it, and never for a public suffix (`com`, `co.uk`, `github.io`) or a bare `localhost`
 * (Chromium refuses `Domain=localhost`; see NOTES "Cookies on *.localhost"). So the control plane's
 * host and the workspace domain must share a parent that may hold cookies:
 * - workspaces under the control plane's host (`rockpool.localhost`, `*.ws.rockpool.localhost`):
 *   that host;
 * - else their nearest common parent (`rockpool.example.com`, `*.ws.example.com`: `example.com`).
 * Anything else cannot work, and is refused at start-up rather than as a sign-in that never sticks.
 */

export class CookieDomainError extends Error {
  readonly code = 'session_cookie_domain';
  constructor(message: string) {
    super(message);
    this.name = 'CookieDomainError';
  }
}

const EXAMPLE =
  'e.g. the control plane at rockpool.example.com with workspaces under ws.rockpool.example.com, or locally rockpool.localhost with ws.rockpool.localhost (no DNS needed)';

/** Whether a browser lets a site set cookies for all of `domain`: a registrable domain or under one. */
const mayHoldCookies = (domain: string): boolean =>
  parse(domain, { allowPrivateDomains: true }).domain !== null;

function commonParent(a: string, b: string): string | undefined {
  const [left, right] = [a.split('.').reverse(), b.split('.')];
  const shared: string[] = [];
  for (const [i, label] of left.entries()) {
    if (label !== right[right.length - 1 - i]) break;
    shared.unshift(label);
  }
  return shared.length > 0 ? shared.join('.') : undefined;
}

/**
 * The session cookie's `Domain` for a control plane reached at `controlPlaneHost` (a host name, no
 * port) and workspaces at `addressing`: undefined (host-only) in path mode, where the control plane
 * and the workspaces share a host; throws {@link CookieDomainError} naming the hosts to use when no
 * cookie can cover both.
 */
export function sessionCookieDomain(
  controlPlaneHost: string,
  addressing: WorkspaceAddressing,
): string | undefined {
  if (addressing.mode === 'path') return undefined;
  const host = controlPlaneHost.toLowerCase().replace(/\.$/, '');
  const domain = addressing.domain;
  const unusable = (why: string) =>
    new CookieDomainError(
      `One sign-in cannot cover the control plane (${host}) and the workspaces (*.${domain}): ${why}. Reach the control plane at a host that shares a parent with the workspace domain (ROCKPOOL_PUBLIC_URL), ${EXAMPLE}.`,
    );
  if (parse(host).isIp) throw unusable('a cookie set by an IP address covers no other host');
  if (host.endsWith(`.${domain}`))
    throw unusable(`the control plane's host is under the workspace domain, where it would be a workspace's`);
  const parent = domain === host || domain.endsWith(`.${host}`) ? host : commonParent(host, domain);
  if (parent === undefined) throw unusable('they share no parent domain');
  if (!mayHoldCookies(parent))
    throw unusable(
      `their common parent ${parent} is a public suffix or a bare name, for which browsers refuse cookies`,
    );
  return parent;
}
