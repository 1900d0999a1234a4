import dns, { type LookupAddress, type LookupOptions } from 'node:dns';

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

const LOCALHOST = /(^|\.)localhost\.?$/i;
let installed = false;

/**
 * Makes this process resolve `localhost` and every `*.localhost` name (multi-level too) to
 * 127.0.0.1, as Chromium and curl do (RFC 6761) and glibc does not. The suite's stack lives at
 * `rockpool.localhost` and `*.ws.rockpool.localhost`: with this, Node's fetch and http reach the
 * names the browser uses, and requests carry the Host a browser sends.
 */
export function resolveLocalhostNames(): void {
  if (installed) return;
  installed = true;
  const lookup = dns.lookup;
  const patched = (
    hostname: string,
    options: LookupOptions | number | LookupCallback,
    callback?: LookupCallback,
  ): void => {
    const done = (typeof options === 'function' ? options : callback) as LookupCallback;
    if (!LOCALHOST.test(hostname)) {
      (lookup as (...args: unknown[]) => void)(hostname, options, callback);
      return;
    }
    const all = typeof options === 'object' && options.all === true;
    process.nextTick(() =>
      all ? done(null, [{ address: '127.0.0.1', family: 4 }]) : done(null, '127.0.0.1', 4),
    );
  };
  dns.lookup = patched as typeof dns.lookup;
}
