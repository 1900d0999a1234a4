import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { newGateSecret, readGateSecret, writeGateSecret } from './gate-secret.js';

const dir = mkdtempSync(join(tmpdir(), 'rockpool-gate-secret-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('gate secrets', () => {
  it('are 32 random bytes, base64url', () => {
    const secret = newGateSecret();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newGateSecret()).not.toBe(secret);
  });

  it('are written 0600 into a 0700 directory, over a leftover partial file, and read back', async () => {
    const file = join(dir, 'vm', 'gate-secret');
    await writeGateSecret(file, 'first'.repeat(9));
    writeFileSync(`${file}.partial`, 'half', { mode: 0o644 });
    await writeGateSecret(file, 'second'.repeat(8));
    expect(await readGateSecret(file)).toBe('second'.repeat(8));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'vm')).mode & 0o777).toBe(0o700);
  });

  it('read as undefined when there is none', async () => {
    expect(await readGateSecret(join(dir, 'missing'))).toBeUndefined();
  });
});
