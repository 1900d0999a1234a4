import { formatAddressing, ideUrl, type WorkspaceAddressing } from '@rockpool/model';
import { CookieDomainError, sessionCookieDomain } from '@rockpool/server';
import { type Settings, SettingsError } from './settings.js';

/** Listen addresses a browser on this machine reaches as `localhost`. */
const LOOPBACK_OR_ANY = new Set(['127.0.0.1', '::1', '0.0.0.0', '::']);

type UrlSettings = Pick<
  Settings,
  | 'publicUrl'
  | 'tls'
  | 'listenHost'
  | 'controlPlanePort'
  | 'workspacePort'
  | 'routingMode'
  | 'workspaceDomain'
>;

/**
 * The name browsers on this machine use for the control plane: `localhost`, or in subdomain mode
 * under a `*.localhost` workspace domain its parent (`ws.rockpool.localhost` → `rockpool.localhost`),
 * which one session cookie can share with the workspace hosts (browsers refuse one for `localhost`).
 */
function loopbackName(settings: UrlSettings): string {
  const domain = settings.workspaceDomain;
  if (settings.routingMode !== 'subdomain' || !domain?.endsWith('.localhost')) return 'localhost';
  const parent = domain.slice(domain.indexOf('.') + 1);
  return parent === 'localhost' ? 'localhost' : parent;
}

function controlPlaneUrl(settings: UrlSettings): string {
  if (settings.publicUrl) return settings.publicUrl;
  const scheme = settings.tls.mode === 'off' ? 'http' : 'https';
  const host =
    settings.tls.mode === 'acme'
      ? settings.tls.domain
      : LOOPBACK_OR_ANY.has(settings.listenHost)
        ? // The name the README and browsers use; one host for every link keeps one set of credentials.
          loopbackName(settings)
        : settings.listenHost;
  const url = new URL(`${scheme}://${host}`);
  url.port = String(settings.controlPlanePort);
  return url.origin;
}

/**
 * Where browsers reach the workspaces: in path mode the workspace port on the control plane's
 * host, in subdomain mode the same scheme and port under the workspace domain.
 */
export function workspaceAddressingOf(settings: UrlSettings): WorkspaceAddressing {
  const controlPlane = new URL(controlPlaneUrl(settings));
  if (settings.routingMode === 'subdomain' && settings.workspaceDomain) {
    const scheme = controlPlane.protocol === 'https:' ? 'https' : 'http';
    return { mode: 'subdomain', scheme, domain: settings.workspaceDomain, port: settings.workspacePort };
  }
  controlPlane.port = String(settings.workspacePort);
  return { mode: 'path', origin: controlPlane.origin };
}

/**
 * Where a browser reaches the control plane and the workspaces: `ROCKPOOL_PUBLIC_URL` when set, else
 * this machine's listen address (or the ACME domain); `workspaces` as formatAddressing writes it
 * (`http://localhost:8081`, or `http://*.ws.rockpool.localhost:8081` in subdomain mode).
 */
export function publicUrls(settings: UrlSettings): { controlPlane: string; workspaces: string } {
  return {
    controlPlane: controlPlaneUrl(settings),
    workspaces: formatAddressing(workspaceAddressingOf(settings)),
  };
}

/** A workspace's IDE URL with `{name}` in it, for banners and help. */
export function ideUrlPattern(settings: UrlSettings): string {
  const addressing = workspaceAddressingOf(settings);
  // A sample name swapped for the placeholder: the host itself may contain any other word.
  const sample = 'x0placeholder0x';
  return ideUrl(addressing, sample).replace(sample, '{name}');
}

/**
 * The session cookie's Domain for these settings (sessionCookieDomain): none in path mode, the
 * control plane's host or a common parent in subdomain mode. Refuses settings whose sign-in could
 * not cover the workspaces, naming the hosts to use.
 */
export function sessionCookieDomainOf(settings: UrlSettings): string | undefined {
  try {
    return sessionCookieDomain(new URL(controlPlaneUrl(settings)).hostname, workspaceAddressingOf(settings));
  } catch (error) {
    if (error instanceof CookieDomainError) throw new SettingsError(error.message);
    throw error;
  }
}
