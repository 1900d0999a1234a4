import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The xcaddy-built binary for tests: `ROCKPOOL_CADDY_BIN`, else whatever `scripts/build-caddy.sh`
 * prints (instant when cached; it builds otherwise). Never falls back to another Caddy.
 */
export function caddyBinaryForTests(): string {
  const fromEnv = process.env.ROCKPOOL_CADDY_BIN;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`ROCKPOOL_CADDY_BIN=${fromEnv} does not exist`);
    return fromEnv;
  }
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'scripts', 'build-caddy.sh'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find scripts/build-caddy.sh; set ROCKPOOL_CADDY_BIN');
    dir = parent;
  }
  const binary = execFileSync(join(dir, 'scripts', 'build-caddy.sh'), {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .toString()
    .trim();
  process.env.ROCKPOOL_CADDY_BIN = binary;
  return binary;
}
