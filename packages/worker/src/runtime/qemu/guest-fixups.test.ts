import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { FIXUP_PROGRAM, fixupInput, RESUME_PROGRAM } from './guest-fixups.js';

describe('fixupInput', () => {
  it('puts machine-id and seed (hex) and the gate secret on separate lines', () => {
    const random = (bytes: number) => Buffer.alloc(bytes, 0xab);
    const lines = fixupInput('s'.repeat(43), random).split('\n');
    expect(lines).toEqual(['ab'.repeat(16), 'ab'.repeat(64), 's'.repeat(43), '']);
  });

  it('differs on every call: no two guests share a machine-id or a seed', () => {
    const [a, b] = [fixupInput('x'.repeat(43)), fixupInput('x'.repeat(43))];
    expect(a.split('\n')[0]).not.toBe(b.split('\n')[0]);
    expect(a.split('\n')[1]).not.toBe(b.split('\n')[1]);
  });

  it('reads its secrets from stdin only: the program text holds none and names each file it writes', () => {
    expect(FIXUP_PROGRAM).toContain('<STDIN>');
    for (const file of [
      '/etc/machine-id',
      '/run/rockpool/gate-secret',
      // The name goes through the guest's own script, as on a cold boot.
      '/usr/local/sbin/rockpool-settings',
    ])
      expect(FIXUP_PROGRAM).toContain(file);
  });
});

// The guest's perl, run here: syntax only, and input refused before anything is touched (the
// programs set the clock, so a valid input never runs on this host).
const perl = (program: string, input: string, ...args: string[]) =>
  spawnSync('perl', [...args, '-e', program, 'alice'], { input, encoding: 'utf8' });

describe('the guest programs', () => {
  it('compile under strict and warnings, without a warning (the guest skips loading both)', () => {
    for (const program of [FIXUP_PROGRAM, RESUME_PROGRAM])
      expect(perl(program, '', '-Mstrict', '-Mwarnings', '-c').stderr).toBe('-e syntax OK\n');
    // The check bites: an undeclared variable fails it.
    expect(perl(`$undeclared = 1;\n${RESUME_PROGRAM}`, '', '-Mstrict', '-Mwarnings', '-c').status).not.toBe(
      0,
    );
  });

  it('resume: reads the clock offset and the gate secret from stdin, and refuses bad ones first', () => {
    expect(RESUME_PROGRAM).toContain('<STDIN>');
    expect(RESUME_PROGRAM).toContain('/run/rockpool/gate-secret');
    for (const [input, error] of [
      ['12\n', /short input/],
      [`1e9\n${'s'.repeat(43)}\n`, /expected a clock offset/],
      ['12\nshort\n', /expected a gate secret/],
      [`12\n${'s'.repeat(40)} x\n`, /expected a gate secret/],
    ] as const) {
      const result = perl(RESUME_PROGRAM, input);
      expect(result.status, input).not.toBe(0);
      expect(result.stderr, input).toMatch(error);
    }
  });
});
