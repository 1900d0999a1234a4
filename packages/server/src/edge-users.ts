import { access, readFile } from 'node:fs/promises';
import type { UserStore } from '@rockpool/db';
import type { User } from '@rockpool/model';
import { dataDirLayout } from '@rockpool/model/data-dir';
import { clientCaFiles, issueClientCertificate } from '@rockpool/pki';
import type { RoleSource } from './auth/viewer.js';

/** The users the edge lets in, and client certificates for them when the edge is in `mtls-app`. */
export interface EdgeUsers {
  /** The basic-auth users (the users table) and the GitHub users on the allow list, with their roles. */
  users(): Promise<User[]>;
  /** True when the access mode is `mtls-app` and the client CA exists. */
  clientCertificatesEnabled(): Promise<boolean>;
  /** A .p12 for `name` (its CN), valid one year, protected by `password`. */
  issue(name: string, password: string): Promise<Buffer>;
}

const readJson = async (file: string): Promise<Record<string, unknown> | undefined> =>
  readFile(file, 'utf8').then(
    (text) => JSON.parse(text) as Record<string, unknown>,
    () => undefined,
  );

/**
 * The users from the database and the GitHub allow list; the access mode and the client CA from
 * what `rockpool init` / `reconfigure` wrote in the data dir, read at each call, so a mode change
 * needs no server restart.
 */
export function dataDirEdgeUsers(
  dataDir: string,
  options: { users: Pick<UserStore, 'list'>; roles: RoleSource; githubAllowUsers?: string[] },
): EdgeUsers {
  const layout = dataDirLayout(dataDir);
  const ca = clientCaFiles(layout.tlsDir);
  return {
    async users() {
      const basic: User[] = options.users.list().map((user) => ({
        name: user.name,
        role: options.roles.roleOf(user.name),
        source: 'basic',
        createdAt: user.createdAt,
      }));
      // The edge names a GitHub user by the token's subject, `github.com/{login}`.
      const github: User[] = (options.githubAllowUsers ?? [])
        .map((login) => (login.includes('/') ? login : `github.com/${login}`))
        .filter((name) => !basic.some((user) => user.name === name))
        .map((name) => ({ name, role: options.roles.roleOf(name), source: 'github', createdAt: null }));
      return [...basic, ...github];
    },
    async clientCertificatesEnabled() {
      const config = await readJson(layout.config);
      const mode = (config?.access as { mode?: unknown } | undefined)?.mode;
      if (mode !== 'mtls-app') return false;
      return access(ca.keyFile).then(
        () => true,
        () => false,
      );
    },
    issue: (name, password) => issueClientCertificate({ ca, name, password }),
  };
}
