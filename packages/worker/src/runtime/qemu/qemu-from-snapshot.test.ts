import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { snapshotFiles } from './guest-snapshot.js';
import { verifySnapshot } from './qemu-from-snapshot.js';

describe('verifySnapshot (ahead of the first create)', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rockpool-verify-snapshot-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (memory: string, sha256: string) => {
    const files = snapshotFiles(dir);
    writeFileSync(files.memory, memory);
    writeFileSync(files.description, JSON.stringify({ memorySha256: sha256, memoryBytes: memory.length }));
  };
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

  it('records a memory file that matches its SHA-256, so a load skips the check', async () => {
    write('saved memory', sha256('saved memory'));
    const verified = new Set<string>();
    expect(await verifySnapshot(dir, verified)).toBeUndefined();
    expect(verified.size).toBe(1);
    // The same file again: already known.
    expect(await verifySnapshot(dir, verified)).toBeUndefined();
    expect(verified.size).toBe(1);
  });

  it('says why not for a damaged file or a missing description, recording nothing', async () => {
    write('saved memorx', sha256('saved memory'));
    const verified = new Set<string>();
    expect(await verifySnapshot(dir, verified)).toBe(
      `its memory file ${snapshotFiles(dir).memory} does not match its SHA-256`,
    );
    expect(verified.size).toBe(0);
    rmSync(snapshotFiles(dir).description);
    expect(await verifySnapshot(dir, verified)).toMatch(/there is no snapshot in/);
  });
});
