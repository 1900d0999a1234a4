/**
 * A typed model of the Caddy JSON that Rockpool emits. Keys keep Caddy's own snake_case names so a
 * builder's output is exactly what Caddy reads; only the fields Rockpool uses are modelled.
 * Handlers are a discriminated union on `handler`, matching Caddy's module ids.
 */

import type { CaddyDuration, HttpApp } from './http.js';
import type { SecurityApp } from './security.js';
import type { PkiApp, TlsApp } from './tls.js';

export type * from './http.js';
export type * from './security.js';
export type * from './tls.js';

export interface CaddyConfig {
  admin?: AdminConfig;
  logging?: LoggingConfig;
  apps: CaddyApps;
}

export interface AdminConfig {
  disabled?: boolean;
  /** `unix//path/to.sock` or `host:port`. */
  listen?: string;
  enforce_origin?: boolean;
  origins?: string[];
  config?: { persist?: boolean };
}

export interface LoggingConfig {
  logs?: Record<string, CustomLog>;
}

export interface CustomLog {
  writer?: LogWriter;
  encoder?: { format: 'json' | 'console' };
  level?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  include?: string[];
  exclude?: string[];
}

export type LogWriter =
  | { output: 'stdout' }
  | { output: 'stderr' }
  | { output: 'discard' }
  | { output: 'file'; filename: string; roll?: boolean }
  | { output: 'net'; address: string; dial_timeout?: CaddyDuration; soft_start?: boolean };

export interface CaddyApps {
  http: HttpApp;
  security?: SecurityApp;
  tls?: TlsApp;
  /** Only used by tests: a local ACME CA (`acme_server`) signs with this app's CAs. */
  pki?: PkiApp;
}
