#!/usr/bin/env node
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSessionSigningKey } from '@rockpool/caddy';
import { dataDirLayout } from '@rockpool/model/data-dir';
import { CookieDomainError, sessionCookieDomain } from './auth/cookie-domain.js';
import { readAdmins } from './auth/roles.js';
import { dataDirEdgeUsers } from './edge-users.js';
import { startServer } from './server.js';
import {
  readAccessLogRetention,
  readControlPlaneHost,
  readLimits,
  readPublicPorts,
  readWorkspaceAddressing,
} from './settings.js';

// Started by `rockpool up` with the data dir and the workspaces' origin in the environment.
const dataDir = process.env.ROCKPOOL_DATA_DIR;
if (!dataDir) {
  process.stderr.write('rockpool-server: ROCKPOOL_DATA_DIR is required\n');
  process.exit(2);
}
const layout = dataDirLayout(dataDir);
// `rockpool up` writes the key before it starts the server; it is read here, never from the environment.
const signingKey = await readSessionSigningKey(layout.sessionSigningKey);
const workspaces = readWorkspaceAddressing();
const controlPlaneHost = readControlPlaneHost();
// A sign-in whose cookie cannot reach the workspaces would never stick: refuse to start instead.
try {
  if (controlPlaneHost) sessionCookieDomain(controlPlaneHost, workspaces);
} catch (error) {
  if (!(error instanceof CookieDomainError)) throw error;
  process.stderr.write(`rockpool-server: ${error.message}\n`);
  process.exit(2);
}
const server = await startServer({
  databaseFile: layout.database,
  socketPath: layout.serverSocket,
  limits: readLimits(),
  // `rockpool up` points Caddy's access log writer here (buildAccessLogging).
  accessLogSocket: layout.accessLogSocket,
  accessLogRetention: readAccessLogRetention(),
  wakeSocket: layout.wakeSocket,
  workspaces,
  ...(controlPlaneHost ? { controlPlaneHost } : {}),
  edgeUsers: (users, roles) =>
    dataDirEdgeUsers(dataDir, {
      users,
      roles,
      githubAllowUsers: (process.env.ROCKPOOL_GITHUB_ALLOW_USERS ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    }),
  admins: readAdmins(),
  publicPorts: readPublicPorts(),
  sessions: { signingKey },
  tlsAskTokenFile: layout.tlsAskToken,
  // The dashboard is built into the @rockpool/spa package; ROCKPOOL_SPA_DIR points elsewhere.
  spaDir:
    process.env.ROCKPOOL_SPA_DIR ||
    join(dirname(fileURLToPath(import.meta.resolve('@rockpool/spa/package.json'))), 'dist'),
});
// Lets operators and tests find this process without guessing from the process list.
writeFileSync(layout.serverPid, String(process.pid), { mode: 0o600 });
process.stderr.write(`rockpool-server: listening on ${server.socketPath}\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    void server.close().then(() => process.exit(0));
  });
