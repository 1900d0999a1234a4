import { describe, expect, it } from 'vitest';
import { FIXUP_PROGRAM, fixupInput } from './guest-fixups.js';

describe('fixupInput', () => {
  it('puts machine-id and seed (hex), the clock offset and the gate secret on separate lines', () => {
    const random = (bytes: number) => Buffer.alloc(bytes, 0xab);
    const lines = fixupInput(-1_500_000_000n, 's'.repeat(43), random).split('\n');
    expect(lines).toEqual(['ab'.repeat(16), 'ab'.repeat(64), '-1500000000', 's'.repeat(43), '']);
  });

  it('differs on every call: no two guests share a machine-id or a seed', () => {
    const [a, b] = [fixupInput(0n, 'x'.repeat(43)), fixupInput(0n, 'x'.repeat(43))];
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
