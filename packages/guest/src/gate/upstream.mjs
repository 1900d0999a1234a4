// Where the gate forwards to: code-server (a unix socket or host:port) or a guest port on loopback.
import { connect } from 'node:net';

/** @typedef {{ socketPath: string } | { host: string, port: number }} Upstream */

/**
 * `unix:/path` or `host:port` (IPv6 in brackets) -> an upstream; throws on anything else.
 * @returns {Upstream}
 */
export function parseUpstream(/** @type {string} */ text) {
  if (text.startsWith('unix:') && text.length > 5) return { socketPath: text.slice(5) };
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (!match || !(port >= 0 && port <= 65535))
    throw new Error(`expected host:port or unix:/path, got ${JSON.stringify(text)}`);
  return { host: String(match[1] ?? match[2]), port };
}

/** What a 502 says: which upstream did not answer. */
export function describeUpstream(/** @type {Upstream} */ upstream) {
  return 'socketPath' in upstream ? upstream.socketPath : `guest port ${upstream.port}`;
}

/** @returns {Promise<import('node:net').Socket>} */
function connectOnce(/** @type {import('node:net').NetConnectOpts} */ options) {
  return new Promise((resolve, reject) => {
    const socket = connect(options);
    socket.once('connect', () => {
      socket.removeListener('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/**
 * Opens a connection to the upstream. A port on 127.0.0.1 that refuses is tried again on ::1: apps
 * that bind `localhost` may get only the IPv6 loopback (Debian's /etc/hosts names both).
 * @param {Upstream} upstream
 */
export function dial(upstream) {
  if ('socketPath' in upstream) return connectOnce({ path: upstream.socketPath });
  const first = connectOnce({ host: upstream.host, port: upstream.port });
  if (upstream.host !== '127.0.0.1') return first;
  return first.catch((/** @type {NodeJS.ErrnoException} */ error) =>
    error.code === 'ECONNREFUSED'
      ? connectOnce({ host: '::1', port: upstream.port }).catch(() => Promise.reject(error))
      : Promise.reject(error),
  );
}
