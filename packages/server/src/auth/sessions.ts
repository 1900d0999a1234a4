import {
  DEFAULT_SESSION_LIFETIME_S,
  hashPassword,
  passwordSessionKey,
  SESSION_COOKIE,
  SESSION_ROLE,
  signSessionToken,
  verifyPassword,
} from '@rockpool/caddy';
import type { UserStore } from '@rockpool/db';
import { ApiError } from '../errors.js';
import { SignInBudget, type SignInBudgetPolicy } from './sign-in-budget.js';
import { VerifiedPasswords } from './verified-passwords.js';

export interface SessionOptions {
  /** The data dir's session signing key; each user's sessions are signed with a key derived from it. */
  signingKey: string;
  /** Seconds; default 12 h (the edge's tokens say the same). */
  lifetimeS?: number;
  budget?: SignInBudgetPolicy;
  /** How long a right password is remembered (basic auth: one bcrypt per API client every so often). Default 5 min. */
  verifiedTtlMs?: number;
  now?: () => number;
}

/**
 * The lifetime of the token that tells the edge who a basic-auth request is from: it is used at
 * once, inside the edge, for that one request (see the basic-auth route).
 */
export const BASIC_AUTH_TOKEN_LIFETIME_S = 60;

type User = NonNullable<ReturnType<UserStore['find']>>;

export interface SignedIn {
  user: string;
  token: string;
  expiresAt: Date;
}

/** The cookie's scope. Path mode: host-only, which covers both ports (cookies are not port-scoped). */
export interface CookieScope {
  /** HTTPS: the cookie is Secure. Plain HTTP (local use only) cannot carry a Secure cookie. */
  secure: boolean;
  /**
   * Subdomain mode (later): the workspace domain (`ws.example.com`), so the cookie reaches every
   * workspace host. Unset: host-only.
   */
  domain?: string;
}

function cookieAttributes(scope: CookieScope, maxAgeS: number): string {
  return [
    'Path=/',
    `Max-Age=${maxAgeS}`,
    'HttpOnly',
    // Lax: a top-level navigation from a link still carries it; a cross-site form post does not.
    'SameSite=Lax',
    ...(scope.secure ? ['Secure'] : []),
    ...(scope.domain ? [`Domain=${scope.domain}`] : []),
  ].join('; ');
}

export const sessionCookie = (token: string, scope: CookieScope, maxAgeS: number): string =>
  `${SESSION_COOKIE}=${token}; ${cookieAttributes(scope, maxAgeS)}`;

/** Clears the session cookie (same scope, so the browser replaces the one it holds). */
export const clearedSessionCookie = (scope: CookieScope): string =>
  `${SESSION_COOKIE}=; ${cookieAttributes(scope, 0)}`;

const invalidCredentials = () => new ApiError(401, 'invalid_credentials', 'Wrong user name or password.');

/**
 * Password checks: the sign-in page's and `POST /api/session`'s (a browser's only bcrypt; it then
 * holds a session the edge verifies with HMAC) and the edge's for basic auth on the control-plane
 * server. All count against the client IP's one {@link SignInBudget}; once it is spent the answer
 * is 429 with Retry-After, whatever the password.
 */
export class Sessions {
  readonly #budget: SignInBudget;
  readonly #lifetimeS: number;
  readonly #now: () => number;
  readonly #verified: VerifiedPasswords;
  /** An unknown user costs a bcrypt too, so the time taken does not tell which names exist. */
  #decoy: Promise<string> | undefined;

  constructor(
    private readonly users: Pick<UserStore, 'find'>,
    private readonly options: SessionOptions,
  ) {
    this.#now = options.now ?? Date.now;
    this.#budget = new SignInBudget(options.budget, this.#now);
    this.#lifetimeS = options.lifetimeS ?? DEFAULT_SESSION_LIFETIME_S;
    this.#verified = new VerifiedPasswords({
      now: this.#now,
      ...(options.verifiedTtlMs === undefined ? {} : { ttlMs: options.verifiedTtlMs }),
    });
  }

  get lifetimeS(): number {
    return this.#lifetimeS;
  }

  async signIn(username: string, password: string, clientIp: string): Promise<SignedIn> {
    const user = await this.#authenticate(username, password, clientIp);
    const { token, exp } = this.#token(user, this.#lifetimeS);
    return { user: user.name, token, expiresAt: new Date(exp * 1000) };
  }

  /**
   * Basic auth on the control-plane server (the edge asks): a token good for
   * {@link BASIC_AUTH_TOKEN_LIFETIME_S} that the edge verifies like a session, which sets the
   * request's user.
   */
  async basicAuth(
    username: string,
    password: string,
    clientIp: string,
  ): Promise<{ user: string; token: string }> {
    const user = await this.#authenticate(username, password, clientIp);
    return { user: user.name, token: this.#token(user, BASIC_AUTH_TOKEN_LIFETIME_S).token };
  }

  async #authenticate(username: string, password: string, clientIp: string): Promise<User> {
    const retryAfter = this.#budget.retryAfterS(clientIp);
    if (retryAfter > 0)
      throw new ApiError(
        429,
        'too_many_sign_in_failures',
        `Too many failed sign-ins from this address; try again in ${retryAfter} seconds.`,
        { retryAfterSeconds: retryAfter },
      );
    const user = this.users.find(username);
    if (user && this.#verified.has(user.name, user.passwordHash, password)) return user;
    const attempt = this.#budget.begin(clientIp);
    this.#decoy ??= hashPassword('rockpool-decoy-password');
    const hash = user?.passwordHash ?? (await this.#decoy);
    // bcrypt reads 72 bytes at most, and no password is set longer: a longer one is wrong, not cut.
    const tooLong = Buffer.byteLength(password, 'utf8') > 72;
    if (!(await verifyPassword(password, hash)) || tooLong || !user) throw invalidCredentials();
    attempt.succeeded();
    this.#verified.remember(user.name, user.passwordHash, password);
    return user;
  }

  #token(user: User, lifetimeS: number): { token: string; exp: number } {
    const iat = Math.floor(this.#now() / 1000);
    const exp = iat + lifetimeS;
    const token = signSessionToken(
      { sub: user.name, roles: [SESSION_ROLE], iat, exp },
      passwordSessionKey(this.options.signingKey, user.name, user.passwordHash),
    );
    return { token, exp };
  }
}
