/** Caddy's `tls` app: where certificates come from and how they are obtained. */
export interface TlsApp {
  certificates?: { load_files?: LoadedCertificateFile[]; automate?: string[] };
  automation?: { policies: AutomationPolicy[]; on_demand?: OnDemandConfig };
}

/**
 * On-demand TLS: a certificate is obtained at the first handshake for a name, if `permission`
 * allows it. `http` asks `endpoint` (`?domain={name}` is appended); a 2xx answer allows it.
 */
export interface OnDemandConfig {
  permission: { module: 'http'; endpoint: string };
}

export interface LoadedCertificateFile {
  /** PEM file paths. */
  certificate: string;
  key: string;
  tags?: string[];
}

export interface AutomationPolicy {
  /** Names the policy applies to; `*.example.com` matches one label. */
  subjects?: string[];
  issuers: AcmeIssuer[];
  /** Names under this policy get their certificates at handshake time (see {@link OnDemandConfig}). */
  on_demand?: boolean;
}

export interface AcmeIssuer {
  module: 'acme';
  /** The ACME directory URL; Let's Encrypt by default. */
  ca?: string;
  email?: string;
  /** Roots trusted when talking to the ACME server (a private CA). */
  trusted_roots_pem_files?: string[];
}

export interface TlsConnectionPolicy {
  /** Chooses among loaded certificates by tag, whatever name (or none) the client asked for. */
  certificate_selection?: { any_tag?: string[] };
  protocol_min?: 'tls1.2' | 'tls1.3';
  client_authentication?: ClientAuthentication;
}

export interface ClientAuthentication {
  ca: { provider: 'file'; pem_files: string[] };
  /** `verify_if_given`: a certificate is optional, but one that is given must chain to `ca`. */
  mode: 'request' | 'require' | 'verify_if_given' | 'require_and_verify';
}

export interface PkiApp {
  certificate_authorities?: Record<string, { name?: string; install_trust?: boolean }>;
}
