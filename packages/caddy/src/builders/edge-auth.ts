import type { AuthenticationHandler, SecurityApp } from '../config/types.js';
import { BASIC_AUTH_IDS, type BasicAuthOptions, buildBasicAuthHandler } from './basic-auth.js';

/** How the edge signs users in: basic auth, or caddy-security (OAuth, see buildOAuthAuth). */
export type EdgeAuth =
  | ({ kind: 'basic' } & BasicAuthOptions)
  | {
      /** caddy-security: the portal is served at `/auth/*` on srv0; routes are guarded by a policy. */
      kind: 'security';
      app: SecurityApp;
      portalName: string;
      policyName: string;
      /** srv1's policy (workspaces need the same session; only the login redirect differs). */
      workspacePolicyName: string;
    };

/** The header through which the edge tells the control plane who the user is. */
export const USER_HEADER = 'X-Rockpool-User';

/** The cookie (and token name) that carries a caddy-security session. */
export const SESSION_COOKIE = 'access_token';

/** The handler that authenticates a request on one of the two servers. */
export function authHandler(auth: EdgeAuth, server: 'control-plane' | 'workspaces'): AuthenticationHandler {
  if (auth.kind === 'basic') return buildBasicAuthHandler(auth, BASIC_AUTH_IDS[server]);
  const policy = server === 'workspaces' ? auth.workspacePolicyName : auth.policyName;
  return {
    handler: 'authentication',
    providers: { authorizer: { gatekeeper_name: policy, route_matcher: '*' } },
  };
}
