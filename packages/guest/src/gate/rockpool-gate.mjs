#!/usr/bin/env node
// rockpool-gate: the only service of a workspace VM that answers from outside the VM.
//
// code-server listens on a unix socket and the user's apps on guest ports; the gate forwards a
// request only if it carries `X-Rockpool-Gate: <secret>`, the per-workspace secret the host put
// into the guest and that only the edge (Caddy) sends. Another local user, a process without the
// secret, or a web page using DNS rebinding gets a bare 403. With `X-Rockpool-Port: <port>` the
// request goes to that guest port on loopback, otherwise to code-server. Plain Node without
// dependencies: these files are copied as they are into the guest image (Node 24) and tested on
// the host (Node >= 20). Usage:
//   rockpool-gate.mjs --listen 0.0.0.0:8080 --code-server unix:/run/code-server/sock \
//                     --secret-file /run/rockpool/gate-secret
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createGate } from './gate.mjs';
import { parseUpstream } from './upstream.mjs';

/** Command line -> settings; every flag is required, so the image says exactly what runs. */
export function parseCommandLine(/** @type {string[]} */ argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      listen: { type: 'string' },
      'code-server': { type: 'string' },
      'secret-file': { type: 'string' },
    },
  });
  const { listen, 'code-server': codeServer, 'secret-file': secretFile } = values;
  if (!listen || !codeServer || !secretFile) {
    const missing = Object.entries({ listen, 'code-server': codeServer, 'secret-file': secretFile })
      .filter(([, value]) => !value)
      .map(([name]) => `--${name}`);
    throw new Error(`missing ${missing.join(', ')}`);
  }
  const address = parseUpstream(listen);
  if ('socketPath' in address) throw new Error('--listen takes host:port');
  return { listen: address, codeServer: parseUpstream(codeServer), secretFile };
}

function main() {
  /** @type {ReturnType<typeof parseCommandLine>} */
  let config;
  try {
    config = parseCommandLine(process.argv.slice(2));
  } catch (error) {
    console.error(`rockpool-gate: ${/** @type {Error} */ (error).message}`);
    process.exit(2);
  }
  const log = (/** @type {string} */ line) => console.error(`rockpool-gate: ${line}`);
  const server = createGate({ secretFile: config.secretFile, codeServer: config.codeServer, log });
  server.on('error', (error) => {
    log(`cannot listen on ${config.listen.host}:${config.listen.port}: ${error.message}`);
    process.exit(1);
  });
  server.listen(config.listen.port, config.listen.host, () => {
    const address = /** @type {import('node:net').AddressInfo} */ (server.address());
    console.log(`rockpool-gate listening on ${address.address}:${address.port}`);
  });
  // Open connections (keep-alive, WebSockets) end with the process; no need to wait for them.
  process.on('SIGTERM', () => process.exit(0));
}

// Run as a program, not when imported (the tests import parseCommandLine).
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) main();
