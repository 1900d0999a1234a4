import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { caddyBinaryForTests } from '../testing/caddy-binary.js';

const dir = join(import.meta.dirname, '__golden__');

describe('golden configs', () => {
  it.each(readdirSync(dir).filter((f) => f.startsWith('bootstrap-')))(
    '%s is valid for the real Caddy',
    async (file) => {
      const { stdout, stderr } = await promisify(execFile)(
        caddyBinaryForTests(),
        ['validate', '--config', join(dir, file)],
        {
          env: { PATH: process.env.PATH, HOME: tmpdir(), XDG_DATA_HOME: join(tmpdir(), 'rockpool-validate') },
        },
      );
      expect(`${stdout}${stderr}`).toContain('Valid configuration');
    },
  );
});
