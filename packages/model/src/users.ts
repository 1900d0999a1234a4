/**
 * Users and roles. An `admin` manages users and sees, stops and deletes every workspace; a `member`
 * sees and acts on their own workspaces only.
 */
export const USER_ROLES = ['admin', 'member'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/**
 * Basic-auth user names: what basic auth, a session's `sub` and the `X-Rockpool-User` header carry
 * as they are, and a client certificate's CN. No `/` or `:` (GitHub users are `github.com/{login}`; basic
 * auth splits on `:`), so a basic user can never pose as a GitHub one.
 */
export const USER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
export const MAX_USER_NAME_LENGTH = 64;

/** Returns why `name` is not a valid user name, or undefined when it is. */
export function userNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'a user name is required';
  if (name.length > MAX_USER_NAME_LENGTH)
    return `a user name has at most ${MAX_USER_NAME_LENGTH} characters (got ${name.length})`;
  if (!USER_NAME_PATTERN.test(name))
    return 'a user name starts with a letter or digit and uses letters, digits and . _ @ - only';
  return undefined;
}

export function isUserRole(role: unknown): role is UserRole {
  return typeof role === 'string' && (USER_ROLES as readonly string[]).includes(role);
}

/** bcrypt reads at most 72 bytes; a longer password would be cut without a word. */
export const MAX_PASSWORD_BYTES = 72;
export const MIN_PASSWORD_LENGTH = 8;

/** Returns why `password` cannot be a basic-auth password, or undefined when it can. */
export function passwordProblem(password: unknown): string | undefined {
  if (typeof password !== 'string') return 'a password is a string';
  if (password.length < MIN_PASSWORD_LENGTH)
    return `a password has at least ${MIN_PASSWORD_LENGTH} characters`;
  if (new TextEncoder().encode(password).length > MAX_PASSWORD_BYTES)
    return `a password has at most ${MAX_PASSWORD_BYTES} bytes (bcrypt ignores the rest)`;
  return undefined;
}
