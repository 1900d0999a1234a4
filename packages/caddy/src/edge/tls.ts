import type {
  AcmeIssuer,
  ClientAuthentication,
  HttpServer,
  TlsApp,
  TlsConnectionPolicy,
} from '../config/types.js';
import { EdgeConfigError } from './errors.js';
import { onDemandConfig, type TlsAskOptions } from './on-demand-tls.js';

export const TLS_MODES = ['off', 'acme', 'self-signed', 'custom'] as const;
export type TlsModeName = (typeof TLS_MODES)[number];

export type TlsOptions =
  /** Plain HTTP: for local use only. */
  | { mode: 'off' }
  /** Certificates from an ACME CA (Let's Encrypt by default) for a domain that reaches this host. */
  | {
      mode: 'acme';
      domain: string;
      email?: string;
      /** The ACME directory URL, e.g. a private CA's. */
      caDirectoryUrl?: string;
      /** Roots to trust when talking to a private ACME CA. */
      trustedRootsPemFiles?: string[];
    }
  /** A certificate Rockpool generated (see `@rockpool/pki`), or the operator's own: PEM files. */
  | { mode: 'self-signed' | 'custom'; certFile: string; keyFile: string };

/** Loaded certificates carry this tag so they are served whatever name (or IP) the client used. */
export const SERVER_CERT_TAG = 'rockpool-server';

const DOMAIN =
  /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

export function isTlsMode(value: unknown): value is TlsModeName {
  return typeof value === 'string' && (TLS_MODES as readonly string[]).includes(value);
}

/** Checks the shape of the options (the CLI checks the files with `@rockpool/pki`'s `checkCertificateFiles`). */
export function assertTlsOptions(tls: TlsOptions): void {
  if (!isTlsMode(tls.mode))
    throw new EdgeConfigError(
      'invalid_tls_mode',
      `unknown TLS mode ${JSON.stringify(tls.mode)}: use one of ${TLS_MODES.join(', ')}`,
    );
  if (tls.mode === 'acme') {
    if (!DOMAIN.test(tls.domain ?? '') && !/^\d{1,3}(\.\d{1,3}){3}$/.test(tls.domain ?? ''))
      throw new EdgeConfigError(
        'invalid_tls_settings',
        `TLS mode acme needs a domain name (got ${JSON.stringify(tls.domain)})`,
      );
    if (tls.caDirectoryUrl !== undefined && !/^https:\/\//.test(tls.caDirectoryUrl))
      throw new EdgeConfigError('invalid_tls_settings', 'the ACME directory URL must start with https://');
  }
  if ((tls.mode === 'self-signed' || tls.mode === 'custom') && (!tls.certFile || !tls.keyFile))
    throw new EdgeConfigError(
      'invalid_tls_settings',
      `TLS mode ${tls.mode} needs a certificate file and a key file`,
    );
}

/** Workspace hosts under `domain` get on-demand certificates (acme) after asking `ask`. */
export interface OnDemandWorkspaces {
  domain: string;
  ask: TlsAskOptions;
}

/**
 * Caddy's `tls` app for these options; none for plain HTTP. With acme and `workspaces`, the
 * control plane's domain keeps its certificate obtained at start, and every workspace host gets
 * one at its first handshake, if the ask endpoint allows it. The other modes serve one loaded
 * certificate, whose wildcard SAN the CLI checked or generated.
 */
export function buildTlsApp(tls: TlsOptions, workspaces?: OnDemandWorkspaces): TlsApp | undefined {
  switch (tls.mode) {
    case 'off':
      return undefined;
    case 'acme': {
      const issuer: AcmeIssuer = {
        module: 'acme',
        ...(tls.caDirectoryUrl ? { ca: tls.caDirectoryUrl } : {}),
        ...(tls.email ? { email: tls.email } : {}),
        ...(tls.trustedRootsPemFiles?.length ? { trusted_roots_pem_files: tls.trustedRootsPemFiles } : {}),
      };
      return {
        certificates: { automate: [tls.domain] },
        automation: {
          policies: [
            { subjects: [tls.domain], issuers: [issuer] },
            ...(workspaces
              ? [{ subjects: [`*.${workspaces.domain}`], issuers: [issuer], on_demand: true }]
              : []),
          ],
          ...(workspaces ? { on_demand: onDemandConfig(workspaces.ask) } : {}),
        },
      };
    }
    case 'self-signed':
    case 'custom':
      return {
        certificates: {
          load_files: [{ certificate: tls.certFile, key: tls.keyFile, tags: [SERVER_CERT_TAG] }],
        },
      };
  }
}

/** The connection policies that turn TLS on for a server (undefined: plain HTTP). */
export function tlsConnectionPolicies(
  tls: TlsOptions,
  clientAuth?: ClientAuthentication,
): TlsConnectionPolicy[] | undefined {
  if (tls.mode === 'off') return undefined;
  return [
    {
      ...(tls.mode === 'acme' ? {} : { certificate_selection: { any_tag: [SERVER_CERT_TAG] } }),
      protocol_min: 'tls1.2',
      ...(clientAuth ? { client_authentication: clientAuth } : {}),
    },
  ];
}

/** The port a `host:port` or `:port` listen address binds. */
export function listenPort(listen: string): number {
  const port = Number(listen.slice(listen.lastIndexOf(':') + 1));
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new EdgeConfigError(
      'invalid_tls_settings',
      `cannot read a port from listen address ${JSON.stringify(listen)}`,
    );
  return port;
}

/** Plain HTTP on `listen` that sends every request to the control plane over HTTPS. */
export function httpsRedirectServer(listen: string, httpsPort: number): HttpServer {
  const port = httpsPort === 443 ? '' : `:${httpsPort}`;
  return {
    listen: [listen],
    routes: [
      {
        '@id': 'rockpool-https-redirect',
        handle: [
          {
            handler: 'static_response',
            status_code: 308,
            headers: { Location: [`https://{http.request.host}${port}{http.request.uri}`] },
          },
        ],
        terminal: true,
      },
    ],
    automatic_https: { disable: true },
  };
}
