import { access, readFile } from 'node:fs/promises';
import { dataDirLayout } from '@rockpool/model/data-dir';
import { clientCaFiles, issueClientCertificate } from '@rockpool/pki';

/** The users the edge lets in, and client certificates for them when the edge is in `mtls-app`. */
export interface EdgeUsers {
  /** The basic-auth account and the GitHub users on the allow list. */
  users(): Promise<string[]>;
  /** True when the access mode is `mtls-app` and the client CA exists. */
  clientCertificatesEnabled(): Promise<boolean>;
  /** A .p12 for `name`, valid one year, protected by `password`. */
  issue(name: string, password: string): Promise<Buffer>;
}

const readJson = async (file: string): Promise<Record<string, unknown> | undefined> =>
  readFile(file, 'utf8').then(
    (text) => JSON.parse(text) as Record<string, unknown>,
    () => undefined,
  );

/**
 * Reads what `rockpool init` / `reconfigure` wrote in the data dir at each call, so a mode change
 * needs no server restart: `rockpool.json` (the access mode), `credentials.json` (the basic-auth
 * user) and `tls/client-ca.*` (the CA that signs client certificates).
 */
export function dataDirEdgeUsers(dataDir: string, githubAllowUsers: string[] = []): EdgeUsers {
  const layout = dataDirLayout(dataDir);
  const ca = clientCaFiles(layout.tlsDir);
  return {
    async users() {
      const credentials = await readJson(layout.credentials);
      const basic = typeof credentials?.username === 'string' ? [credentials.username] : [];
      return [...new Set([...basic, ...githubAllowUsers])];
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
