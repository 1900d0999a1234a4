import type { Handler, SecurityApp } from '../config/types.js';
import { type BasicAccountInput, buildBasicAuthCheck, checkPasswordAccounts } from './basic-auth.js';
import {
  buildSessionPolicies,
  DEFAULT_SESSION_LIFETIME_S,
  passwordSessionKeys,
  sessionCheck,
} from './session.js';

export { SESSION_COOKIE } from './session.js';

/**
 * How the edge signs users in. Either way a browser holds one session cookie (an HMAC-signed JWT)
 * that caddy-security's policies check on both servers, without bcrypt.
 */
export type EdgeAuth =
  | {
      /**
       * Passwords (the users table): the control plane's sign-in page (`/auth/`, `POST
       * /api/session`) issues the sessions; API clients may send basic auth to srv0 instead,
       * which the control plane checks too (see buildBasicAuthCheck). The workspace server takes
       * no password at all.
       */
      kind: 'password';
      /** Only the session policies (see buildSessionPolicies), with a key per user. */
      app: SecurityApp;
    }
  | {
      /** caddy-security's portal at `/auth/*` on srv0 (GitHub, OIDC) issues the sessions. */
      kind: 'portal';
      app: SecurityApp;
      portalName: string;
      /** The Domain of the portal's session cookie (see OAuthOptions.cookieDomain); none: host-only. */
      cookieDomain?: string;
    };

/** The header through which the edge tells the control plane who the user is. */
export const USER_HEADER = 'X-Rockpool-User';

export interface PasswordAuthOptions {
  /** The users as they are now: each one's session key derives from their password hash. */
  accounts: BasicAccountInput[];
  /** Signs the session tokens (the server signs with it too); at least 32 characters. */
  signingKey: string;
  /** Session length in seconds. Default 12 h. */
  tokenLifetime?: number;
  /** The sign-in page's absolute URL (`{control-plane origin}/auth/`), where srv1 sends browsers. */
  signInUrl?: string;
  /** The control plane sends browsers there too (the session cookie has a Domain: SessionPolicyOptions). */
  absoluteSignIn?: boolean;
}

/** Password sign-in: sessions from the control plane, admitted while the user and password stand. */
export function buildPasswordAuth(options: PasswordAuthOptions): EdgeAuth {
  const accounts = options.accounts;
  checkPasswordAccounts(accounts);
  return {
    kind: 'password',
    app: {
      config: {
        authorization_policies: buildSessionPolicies({
          keys: passwordSessionKeys(
            options.signingKey,
            accounts,
            options.tokenLifetime ?? DEFAULT_SESSION_LIFETIME_S,
          ),
          ...(options.signInUrl ? { signInUrl: options.signInUrl } : {}),
          ...(options.absoluteSignIn ? { absoluteSignIn: true } : {}),
        }),
      },
    },
  };
}

/**
 * The handler that authenticates a request on one of the two servers; on srv0 with passwords,
 * basic auth too, checked by the control plane at `controlPlaneUpstream`.
 */
export function authHandler(
  auth: EdgeAuth,
  server: 'control-plane' | 'workspaces',
  controlPlaneUpstream: string,
): Handler {
  const basic =
    auth.kind === 'password' && server === 'control-plane'
      ? buildBasicAuthCheck(controlPlaneUpstream)
      : undefined;
  return sessionCheck(server, basic);
}
