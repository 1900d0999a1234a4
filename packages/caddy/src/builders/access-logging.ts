import type { CaddyDuration, LoggingConfig, ServerLogs } from '../config/types.js';

/** Caddy names a server's access logger `http.log.access.<default_logger_name>`. */
const ACCESS_LOGGER_PREFIX = 'http.log.access';
/** The logger names given to srv0 and srv1, so each log entry says which server it came from. */
export const ACCESS_LOGGER_NAMES = { controlPlane: 'control-plane', workspaces: 'workspaces' } as const;
/** The custom log in `logging.logs` that ships access logs to the control plane. */
export const ACCESS_LOG_NAME = 'rockpool-access';

export interface AccessLoggingOptions {
  /** The control plane's ingestion socket (a path; Caddy dials it as `unix//<path>`). */
  socket: string;
  /** How long Caddy waits when (re)connecting to the socket. Default 2s. */
  dialTimeout?: CaddyDuration;
}

/**
 * Ships the access logs of srv0 and srv1 as newline-delimited JSON to the control plane's socket.
 * `soft_start`: Caddy starts before the control plane, so a socket that is not up yet must not fail
 * the config load; Caddy writes entries to stderr meanwhile and redials (at most every 10 s) when a
 * write fails, so a restarted control plane gets entries again. Caddy redacts Authorization, Cookie,
 * Set-Cookie and Proxy-Authorization header values unless `should_log_credentials` is set, which
 * Rockpool never sets; the control plane does not store headers at all.
 */
export function buildAccessLogging(options: AccessLoggingOptions): LoggingConfig {
  const loggers = Object.values(ACCESS_LOGGER_NAMES).map((name) => `${ACCESS_LOGGER_PREFIX}.${name}`);
  return {
    logs: {
      // The default log keeps Caddy's own messages on stderr, without the access entries.
      default: { exclude: loggers },
      [ACCESS_LOG_NAME]: {
        writer: {
          output: 'net',
          address: `unix/${options.socket}`,
          dial_timeout: options.dialTimeout ?? '2s',
          soft_start: true,
        },
        encoder: { format: 'json' },
        include: loggers,
      },
    },
  };
}

/** The `logs` block of one server: turns its access logs on under its own logger name. */
export function serverAccessLogs(name: string): ServerLogs {
  return { default_logger_name: name };
}
