import { access } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { issueClientCertificate, PkiError, writeClientCertificate } from '@rockpool/pki';
import { clientCa, clientCertsDir } from '../edge-setup.js';
import { dataDirFromEnv } from '../settings.js';
import type { CommandIo } from './init.js';

/**
 * `rockpool gen-client-cert --name alice [--password P] [--dir D] [--legacy]`: a client certificate
 * for `mtls-app`, valid one year, as `D/alice.p12`. The password comes from `--password`,
 * `ROCKPOOL_P12_PASSWORD` or, on a terminal, a prompt.
 */
export async function genClientCert(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      name: { type: 'string' },
      password: { type: 'string' },
      dir: { type: 'string' },
      legacy: { type: 'boolean' },
    },
    strict: true,
  });
  if (!values.name)
    throw new PkiError('invalid_client_name', 'gen-client-cert needs --name (the user it is for)');
  const dataDir = dataDirFromEnv(io.env);
  const ca = clientCa(dataDir);
  await access(ca.keyFile).catch(() => {
    throw new PkiError(
      'openssl_failed',
      `there is no client CA in ${ca.certFile}: enable mTLS first (rockpool reconfigure --access mtls-app)`,
    );
  });
  let password = values.password ?? io.env.ROCKPOOL_P12_PASSWORD;
  if (password === undefined && (io.input as { isTTY?: boolean }).isTTY) {
    const rl = createInterface({ input: io.input, output: io.output, terminal: false });
    password = await rl.question('Password for the .p12 (asked on import): ').finally(() => rl.close());
  }
  if (password === undefined)
    throw new PkiError(
      'invalid_p12_password',
      'give the .p12 a password: --password or ROCKPOOL_P12_PASSWORD',
    );
  const p12 = await issueClientCertificate({
    ca,
    name: values.name,
    password,
    encryption: values.legacy ? 'legacy' : 'modern',
  });
  const file = await writeClientCertificate(values.dir ?? clientCertsDir(dataDir), values.name, p12);
  io.output.write(`Wrote ${file} (valid 1 year). Import it into the browser with its password.\n`);
  return 0;
}
