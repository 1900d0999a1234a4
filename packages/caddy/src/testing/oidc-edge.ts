import { buildBootstrapConfig } from '../builders/bootstrap.js';
import { buildOAuthAuth } from '../builders/oauth.js';
import { type CaddyProcess, startCaddy } from '../process/caddy-process.js';
import { caddyBinaryForTests } from './caddy-binary.js';
import { freePort } from './free-port.js';
import type { TestOidcProvider } from './oidc-provider.js';

/** The realm the OIDC edges sign in through: `/auth/oauth2/{OIDC_REALM}` on srv0. */
export const OIDC_REALM = 'local';

export interface OidcEdgeOptions {
  provider: TestOidcProvider;
  /** Where srv0 sends the API (an echo upstream stands in for the control plane). */
  controlPlaneUpstream: string;
  dataDir: string;
  /** The provider's users the portal lets in. */
  allow: string[];
  /** Default: a fixed key for tests. */
  signingKey?: string;
  /** Sends a signed-in browser to the portal's own page at `{srv0}/auth/`. */
  portalUrl?: boolean;
  /** The portal cookie's Domain; a workspace domain `ws.{cookieDomain}` comes with it. */
  cookieDomain?: string;
}

export interface OidcEdge {
  caddy: CaddyProcess;
  /** srv0, with caddy-security's portal at `/auth/`. */
  controlPlaneUrl: string;
  /** srv1. */
  workspacesUrl: string;
}

/**
 * The xcaddy-built Caddy with Rockpool's bootstrap config, signing in through the local OIDC
 * provider (caddy-security's portal on srv0), on free ports. Over plain HTTP, so the portal's
 * cookies are not Secure.
 */
export async function startOidcEdge(options: OidcEdgeOptions): Promise<OidcEdge> {
  const [p0, p1] = [await freePort(), await freePort()];
  const controlPlaneUrl = `http://127.0.0.1:${p0}`;
  const { provider, cookieDomain } = options;
  const caddy = await startCaddy({ binary: caddyBinaryForTests(), dataDir: options.dataDir });
  try {
    await caddy.admin.load(
      buildBootstrapConfig({
        adminListen: caddy.adminEndpoint,
        controlPlaneListen: `127.0.0.1:${p0}`,
        workspacesListen: `127.0.0.1:${p1}`,
        controlPlaneUpstream: options.controlPlaneUpstream,
        ...(cookieDomain
          ? { edge: { tls: { mode: 'off' }, access: { mode: 'all' }, workspaceDomain: `ws.${cookieDomain}` } }
          : {}),
        auth: buildOAuthAuth({
          provider: {
            kind: 'generic',
            realm: OIDC_REALM,
            clientId: provider.clientId,
            clientSecret: provider.clientSecret,
            metadataUrl: provider.metadataUrl,
            baseAuthUrl: `${controlPlaneUrl}/auth/`,
          },
          signingKey: options.signingKey ?? 'signing-key-for-tests-0123456789abcdef',
          allow: { users: options.allow },
          insecureCookie: true,
          ...(options.portalUrl ? { portalUrl: `${controlPlaneUrl}/auth/` } : {}),
          ...(cookieDomain ? { cookieDomain } : {}),
        }),
      }),
    );
  } catch (error) {
    await caddy.stop();
    throw error;
  }
  return { caddy, controlPlaneUrl, workspacesUrl: `http://127.0.0.1:${p1}` };
}
