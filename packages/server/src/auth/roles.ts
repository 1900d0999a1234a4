import type { UserStore } from '@rockpool/db';
import { ADMINS_SETTING, listSetting, type UserRole } from '@rockpool/model';
import type { RoleSource } from './viewer.js';

/**
 * Roles: a basic-auth user has the role stored with it; anyone named in the admins setting
 * (`ROCKPOOL_ADMINS`, e.g. `github.com/alice`: GitHub users have no row) is an admin; everyone
 * else the edge lets in is a member.
 */
export function userRoles(
  users: Pick<UserStore, 'find'> | undefined,
  admins: readonly string[] = [],
): RoleSource {
  const named = new Set(admins);
  return {
    roleOf: (name: string): UserRole => (named.has(name) ? 'admin' : (users?.find(name)?.role ?? 'member')),
  };
}

/** `ROCKPOOL_ADMINS`: a comma-separated list of identities as the edge names them. */
export function readAdmins(env: NodeJS.ProcessEnv = process.env): string[] {
  return listSetting(env, ADMINS_SETTING);
}
