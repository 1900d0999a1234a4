import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tartInstanceId } from './tart-instance.js';

const root = mkdtempSync(join(tmpdir(), 'rockpool-tart-instance-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('tartInstanceId', () => {
  it('makes an id once per data directory and keeps it; concurrent starts agree', async () => {
    const file = join(root, 'a');
    const ids = await Promise.all([tartInstanceId(file), tartInstanceId(file), tartInstanceId(file)]);
    expect(ids[0]).toMatch(/^[0-9a-f]{10}$/);
    expect(new Set(ids).size).toBe(1);
    expect(await tartInstanceId(file)).toBe(ids[0]);
    expect(readFileSync(file, 'utf8')).toBe(`${ids[0]}\n`);
    expect(await tartInstanceId(join(root, 'b'))).not.toBe(ids[0]);
  });

  it('takes a valid override (a CI job names its instance) and refuses a bad one', async () => {
    expect(await tartInstanceId(join(root, 'c'), 'ci123a1')).toBe('ci123a1');
    await expect(tartInstanceId(join(root, 'c'), 'CI-1')).rejects.toMatchObject({
      code: 'runtime_unavailable',
      message: expect.stringMatching(/^ROCKPOOL_TART_INSTANCE must be 1-16 lowercase letters and digits/),
    });
  });

  it('refuses a damaged id file rather than orphaning the instance’s VMs', async () => {
    const file = join(root, 'd');
    writeFileSync(file, 'not an id\n');
    await expect(tartInstanceId(file)).rejects.toThrow(/not a tart instance id/);
  });
});
