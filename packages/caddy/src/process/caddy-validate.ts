import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CaddyConfig } from '../config/types.js';

export class CaddyInvalidConfigError extends Error {
  readonly code = 'caddy_config_invalid';
  constructor(readonly detail: string) {
    super(`Caddy refuses the configuration: ${detail}`);
    this.name = 'CaddyInvalidConfigError';
  }
}

/**
 * `caddy validate`: Caddy loads and provisions the config (certificate files read, modules set up)
 * without starting it. Catches what the TypeScript model cannot before a running Caddy sees it.
 */
export async function validateCaddyConfig(binary: string, config: CaddyConfig): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'rockpool-validate-'));
  try {
    const file = join(dir, 'caddy.json');
    // The admin endpoint plays no part in validation; a socket path of the running Caddy is left alone.
    await writeFile(file, JSON.stringify({ ...config, admin: { disabled: true } }), { mode: 0o600 });
    await new Promise<void>((resolve, reject) => {
      execFile(
        binary,
        ['validate', '--config', file],
        { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, XDG_DATA_HOME: join(dir, 'data') } },
        (error, stdout, stderr) => {
          if (!error) return resolve();
          const lines = `${stdout}${stderr}`.trim().split('\n');
          const detail = lines.findLast((line) => /Error|error/.test(line)) ?? lines.at(-1) ?? error.message;
          reject(new CaddyInvalidConfigError(detail.replace(/^Error: /, '')));
        },
      );
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
