import { randomBytes } from 'node:crypto';
import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EdgeSecurityOptions } from '@rockpool/caddy';
import { dataDirLayout } from '@rockpool/model/data-dir';
import {
  checkCertificateFiles,
  clientCaFiles,
  ensureClientCa,
  generateSelfSignedServerCertificate,
  hostIdentities,
  issueClientCertificate,
  type PkiError,
  writeClientCertificate,
} from '@rockpool/pki';
import type { Settings } from './settings.js';
import { prepareTlsAsk } from './tls-ask.js';

/** Server certificates and the client CA live here (keys 0600). */
export function tlsDir(dataDir: string): string {
  return dataDirLayout(dataDir).tlsDir;
}

/** Where `.p12` client certificates are written by default. */
export function clientCertsDir(dataDir: string): string {
  return dataDirLayout(dataDir).clientCertsDir;
}

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/**
 * The edge options for these settings, with the files they need in place: the self-signed server
 * certificate is generated once, custom files are checked (they exist, parse and match), both
 * covering `*.{workspace domain}` when there is one, acme with a workspace domain gets its on-demand
 * ask (token file and port), and `mtls-app` gets its client CA and, the first time, an `admin.p12`
 * (password in a 0600 file). Anything wrong is an error before Caddy is touched.
 */
export async function prepareEdge(
  settings: Settings,
  echo: NodeJS.WritableStream = process.stderr,
): Promise<EdgeSecurityOptions> {
  const dir = tlsDir(settings.dataDir);
  const domain = settings.workspaceDomain;
  const requirements = { wildcardDomains: domain ? [domain] : [] };
  let tls: EdgeSecurityOptions['tls'];
  switch (settings.tls.mode) {
    case 'off':
    case 'acme':
      tls = settings.tls;
      break;
    case 'custom':
      await checkCertificateFiles(settings.tls.certFile, settings.tls.keyFile, new Date(), requirements);
      tls = settings.tls;
      break;
    case 'self-signed': {
      const files = { certFile: join(dir, 'server.crt'), keyFile: join(dir, 'server.key') };
      // Generated once, and again when it is missing, expires within 30 days or lacks the wildcard.
      const soon = new Date(Date.now() + 30 * 24 * 3600 * 1000);
      const usable =
        (await exists(files.certFile)) &&
        (await exists(files.keyFile)) &&
        (await checkCertificateFiles(files.certFile, files.keyFile, soon, requirements).then(
          () => true,
          (error: PkiError) => {
            if (error.code === 'certificate_expired' || error.code === 'certificate_not_wildcard')
              return false;
            throw error;
          },
        ));
      if (!usable) {
        await generateSelfSignedServerCertificate(dir, { ...hostIdentities(), ...requirements });
        echo.write(`==> Generated a self-signed certificate: ${files.certFile}\n`);
      }
      tls = { mode: 'self-signed', ...files };
      break;
    }
  }
  let clientCaFile: string | undefined;
  if (settings.access.mode === 'mtls-app') {
    const ca = await ensureClientCa(dir);
    clientCaFile = ca.certFile;
    if (ca.created) {
      const password = randomBytes(12).toString('base64url');
      const p12 = await issueClientCertificate({ ca, name: settings.username, password });
      const file = await writeClientCertificate(clientCertsDir(settings.dataDir), settings.username, p12);
      await writeFile(`${file}.password`, `${password}\n`, { mode: 0o600 });
      echo.write(
        `==> mtls-app: created a client CA and ${file} (password in ${file}.password); import it into your browser\n`,
      );
    }
  }
  return {
    tls,
    access: { ...settings.access, ...(clientCaFile ? { clientCaFile } : {}) },
    httpRedirectListen: `${settings.listenHost}:${settings.httpPort}`,
    ...(domain ? { workspaceDomain: domain } : {}),
    ...(domain && tls.mode === 'acme' ? { tlsAsk: await prepareTlsAsk(settings.dataDir) } : {}),
  };
}

/** The client CA files for `gen-client-cert` and the API, whether or not they exist yet. */
export function clientCa(dataDir: string) {
  return clientCaFiles(tlsDir(dataDir));
}
