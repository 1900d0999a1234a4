import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  chooseSnapshot,
  hardwareMismatch,
  type SnapshotDescription,
  type SnapshotHardware,
  snapshotFiles,
  wantedHardware,
} from './guest-snapshot.js';

const QEMU = 'QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)';
const made: SnapshotHardware = wantedHardware(
  { cpus: 2, memoryMiB: 2048 },
  { qemuVersion: QEMU, accel: 'tcg', imageDir: '/cache/guest/debian-bookworm_abc/' },
);

describe('hardwareMismatch', () => {
  it('accepts the same hardware, and names the first difference otherwise', () => {
    expect(made.imageKey).toBe('debian-bookworm_abc');
    expect(hardwareMismatch(made, { ...made })).toBeUndefined();
    expect(hardwareMismatch(made, { ...made, memoryMiB: 1024 })).toBe(
      'it was made with 2 CPUs and 2048 MiB, not 2 and 1024',
    );
    expect(hardwareMismatch(made, { ...made, cpus: 1 })).toBe(
      'it was made with 2 CPUs and 2048 MiB, not 1 and 2048',
    );
    expect(hardwareMismatch(made, { ...made, qemuVersion: 'QEMU emulator version 8.2.2' })).toBe(
      `it was made with ${QEMU}, this host runs QEMU emulator version 8.2.2`,
    );
    expect(hardwareMismatch(made, { ...made, accel: 'kvm' })).toBe(
      'it was made for microvm under tcg, not microvm under kvm',
    );
    expect(hardwareMismatch(made, { ...made, imageKey: 'other' })).toBe(
      'it was made from the guest image debian-bookworm_abc, not other',
    );
    // A snapshot from before the flags were recorded (or with other ones) does not fit.
    const { kernelFlags: _, ...unrecorded } = made;
    expect(hardwareMismatch(unrecorded as SnapshotHardware, made)).toMatch(/kernel flags "\(not recorded\)"/);
    expect(hardwareMismatch({ ...made, kernelFlags: 'quiet' }, made)).toMatch(
      /kernel flags "quiet", not ".*tsc=reliable/,
    );
  });
});

describe('chooseSnapshot', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function writeSnapshot(memory: string, description: Partial<SnapshotDescription> = {}) {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = mkdtempSync(join(tmpdir(), 'rockpool-snapshot-test-'));
    const files = snapshotFiles(dir);
    writeFileSync(files.memory, memory);
    writeFileSync(files.disk, 'qcow2');
    const full: SnapshotDescription = {
      ...made,
      kernelCommandLine: 'console=ttyS0 rockpool.workspace=rockpool-snapshot',
      memoryBytes: 6,
      memorySha256: '0'.repeat(64),
      createdAt: '2026-11-30T08:00:00.000Z',
      saveMs: 1500,
      ...description,
    };
    writeFileSync(files.description, JSON.stringify(full));
    return files;
  }

  it('takes a whole snapshot that fits', async () => {
    const files = writeSnapshot('memory');
    expect(await chooseSnapshot(dir, made)).toMatchObject({ files, snapshot: { memoryBytes: 6 } });
  });

  it('says why it cannot use one: other hardware, a truncated or missing file, none at all', async () => {
    writeSnapshot('memory');
    expect(await chooseSnapshot(dir, { ...made, memoryMiB: 4096 })).toEqual({
      problem: 'it was made with 2 CPUs and 2048 MiB, not 2 and 4096',
    });
    writeSnapshot('mem', {});
    expect(await chooseSnapshot(dir, made)).toEqual({
      problem: 'its memory file is truncated or damaged (3 of 6 bytes)',
    });
    rmSync(snapshotFiles(dir).disk);
    expect(await chooseSnapshot(dir, made)).toEqual({ problem: 'its disk is missing' });
    writeFileSync(snapshotFiles(dir).description, '{ not json');
    expect((await chooseSnapshot(dir, made)) as { problem: string }).toMatchObject({
      problem: expect.stringMatching(/^its description is unreadable/),
    });
    rmSync(dir, { recursive: true });
    expect(await chooseSnapshot(dir, made)).toEqual({
      problem: `there is no snapshot in ${dir} (run scripts/build-guest-snapshot.sh)`,
    });
  });
});
