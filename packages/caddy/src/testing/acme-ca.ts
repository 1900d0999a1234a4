import { readFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import { join } from 'node:path';
import { generateSelfSignedServerCertificate } from '@rockpool/pki';
import { type CaddyProcess, startCaddy } from '../process/caddy-process.js';
import { caddyBinaryForTests } from './caddy-binary.js';
import { freePort } from './free-port.js';

/** A second Caddy acting as an ACME CA (the pki app's `acme_server`), HTTP-01 only. */
export interface TestAcmeCa {
  readonly caddy: CaddyProcess;
  /** The ACME directory URL. */
  readonly directoryUrl: string;
  /** The CA's listener certificate, which the ACME client must trust. */
  readonly listenerCertFile: string;
  /** The root that signs the issued certificates (PEM); it exists once the CA has started. */
  root(): Promise<string>;
}

/**
 * Starts the CA in `dir`. With `hostsProxy`, the CA's HTTP-01 requests go through that HTTP proxy:
 * its validation client honours `HTTP_PROXY`, which is how a test resolves host names without DNS
 * (`acme_server`'s `resolvers` option only serves DNS-01's TXT lookups in Caddy 2.10).
 */
export async function startTestAcmeCa(dir: string, hostsProxy?: string): Promise<TestAcmeCa> {
  const listenerCert = await generateSelfSignedServerCertificate(join(dir, 'ca-tls'), {
    dnsNames: ['localhost'],
    ips: ['127.0.0.1'],
  });
  const port = await freePort();
  const dataDir = join(dir, 'ca');
  const caddy = await startCaddy({
    binary: caddyBinaryForTests(),
    dataDir,
    ...(hostsProxy ? { env: { HTTP_PROXY: hostsProxy } } : {}),
    config: {
      apps: {
        pki: { certificate_authorities: { local: { install_trust: false } } },
        tls: {
          certificates: {
            load_files: [
              { certificate: listenerCert.certFile, key: listenerCert.keyFile, tags: ['acme-ca'] },
            ],
          },
        },
        http: {
          servers: {
            acme: {
              listen: [`127.0.0.1:${port}`],
              routes: [{ handle: [{ handler: 'acme_server', ca: 'local', challenges: ['http-01'] }] }],
              tls_connection_policies: [{ certificate_selection: { any_tag: ['acme-ca'] } }],
              automatic_https: { disable: true },
            },
          },
        },
      },
    },
  });
  return {
    caddy,
    directoryUrl: `https://127.0.0.1:${port}/acme/local/directory`,
    listenerCertFile: listenerCert.certFile,
    root: () => readFile(join(dataDir, 'data', 'caddy', 'pki', 'authorities', 'local', 'root.crt'), 'utf8'),
  };
}

/** An HTTP forward proxy that plays DNS for a test: every host under `domain` is `address`. */
export interface TestHostsProxy {
  /** `http://127.0.0.1:{port}`, for `HTTP_PROXY`. */
  readonly url: string;
  /** Hosts it was asked for, in order. */
  readonly hosts: string[];
  close(): Promise<void>;
}

export async function startTestHostsProxy(domain: string, address: string): Promise<TestHostsProxy> {
  const hosts: string[] = [];
  const server: Server = createServer((req, res) => {
    // A proxy request carries the absolute URL: `GET http://alice.ws.test/.well-known/...`.
    const target = new URL(req.url ?? '/', 'http://invalid');
    hosts.push(target.hostname);
    if (!target.hostname.endsWith(`.${domain}`)) {
      res.writeHead(502).end(`${target.hostname} does not resolve here`);
      return;
    }
    const upstream = request(
      {
        host: address,
        port: target.port || 80,
        path: `${target.pathname}${target.search}`,
        method: req.method,
        headers: { ...req.headers, host: target.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => res.writeHead(502).end(error.message));
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    hosts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
