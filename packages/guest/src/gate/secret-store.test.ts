import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { MIN_SECRET_LENGTH, secretStore } from './secret-store.mjs';

const dir = mkdtempSync(join(tmpdir(), 'rockpool-secret-'));
const newSecret = () => randomBytes(32).toString('base64url');
let files = 0;
const freshFile = () => join(dir, `secret-${files++}`);
const HOUR = 60 * 60_000;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('has no secret until the file exists, then accepts exactly its content (surrounding whitespace ignored)', async () => {
  const file = freshFile();
  const secret = newSecret();
  const store = secretStore(file, 0);
  expect(await store.check(secret)).toBe('not_installed');
  expect(await store.check(undefined)).toBe('not_installed');
  writeFileSync(file, `  ${secret}\n`);
  expect(await store.check(secret)).toBe('ok');
  expect(await store.check(undefined)).toBe('refused');
  expect(await store.check(`${secret} `)).toBe('refused');
  expect(await store.check(secret.slice(1))).toBe('refused');
});

it(`treats a secret shorter than ${MIN_SECRET_LENGTH} characters as none`, async () => {
  const file = freshFile();
  writeFileSync(file, 'x'.repeat(MIN_SECRET_LENGTH - 1));
  expect(await secretStore(file, 0).check('x'.repeat(MIN_SECRET_LENGTH - 1))).toBe('not_installed');
});

it('accepts a rotated secret at its first use, even while the old one is still trusted', async () => {
  const file = freshFile();
  const [old, next] = [newSecret(), newSecret()];
  writeFileSync(file, old);
  const store = secretStore(file, HOUR);
  expect(await store.check(old)).toBe('ok');
  writeFileSync(file, next);
  expect(await store.check(next)).toBe('ok');
  expect(await store.check(old)).toBe('refused');
});

it('stops accepting the old secret once the file is read again, and everything once it is gone', async () => {
  const file = freshFile();
  const secret = newSecret();
  writeFileSync(file, secret);
  const store = secretStore(file, 0);
  expect(await store.check(secret)).toBe('ok');
  writeFileSync(file, newSecret());
  expect(await store.check(secret)).toBe('refused');
  rmSync(file);
  expect(await store.check(secret)).toBe('not_installed');
});

it('keeps trusting what it read for maxAgeMs when nobody presents a different secret', async () => {
  const file = freshFile();
  const secret = newSecret();
  writeFileSync(file, secret);
  const store = secretStore(file, HOUR);
  expect(await store.check(secret)).toBe('ok');
  rmSync(file);
  expect(await store.check(secret)).toBe('ok');
  expect(await store.check(undefined)).toBe('refused');
});

it('reports state changes once each, naming the file but never the secret', async () => {
  const file = freshFile();
  const secret = newSecret();
  const lines: string[] = [];
  const store = secretStore(file, 0, (line) => lines.push(line));
  await store.check(secret);
  await store.check(secret);
  writeFileSync(file, secret);
  await store.check(secret);
  await store.check(secret);
  if (process.getuid?.() !== 0) {
    chmodSync(file, 0);
    await store.check(secret);
  }
  expect(lines.slice(0, 2)).toEqual([`no secret yet (${file})`, 'secret installed']);
  if (process.getuid?.() !== 0) expect(lines[2]).toBe(`cannot read ${file}: EACCES`);
  expect(lines.join('\n')).not.toContain(secret);
});
