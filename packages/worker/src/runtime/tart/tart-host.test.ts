import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_DHCP_LEASE_SECONDS,
  detectSoftnet,
  dhcpLeaseSeconds,
  SHORT_LEASE_COMMAND,
  type SoftnetProbe,
  tartHostReport,
} from './tart-host.js';

const root = mkdtempSync(join(tmpdir(), 'rockpool-tart-host-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function binWithSoftnet(name: string): string {
  const bin = join(root, name);
  mkdirSync(bin);
  writeFileSync(join(bin, 'softnet'), '#!/bin/sh\n');
  chmodSync(join(bin, 'softnet'), 0o755);
  return bin;
}

const probe = (uid: number, mode: number, sudo: boolean): SoftnetProbe => ({
  owner: async () => ({ uid, mode }),
  passwordlessSudo: async () => sudo,
});

describe('detectSoftnet', () => {
  it('finds nothing where softnet is not in PATH', async () => {
    expect(await detectSoftnet({ PATH: join(root, 'nowhere') }, probe(0, 0o104755, true))).toEqual({
      available: false,
      reason: 'softnet is not installed (brew install cirruslabs/cli/softnet)',
    });
  });

  it.each([
    ['setuid root', probe(0, 0o104755, false)],
    ['allowed passwordless sudo', probe(501, 0o100755, true)],
  ])('takes a softnet that is %s', async (_, host) => {
    const bin = binWithSoftnet(`bin-${Math.random()}`);
    expect(await detectSoftnet({ PATH: `/nonexistent:${bin}` }, host)).toEqual({
      available: true,
      path: join(bin, 'softnet'),
    });
  });

  it.each([
    ['owned by a user, setuid', probe(501, 0o104755, false)],
    ['owned by root, not setuid', probe(0, 0o100755, false)],
  ])('refuses a softnet %s without passwordless sudo, saying how to fix it', async (_, host) => {
    const bin = binWithSoftnet(`bin-${Math.random()}`);
    const found = await detectSoftnet({ PATH: bin }, host);
    expect(found).toMatchObject({ available: false });
    expect(found.available || found.reason).toContain(`sudo chmod u+s ${join(bin, 'softnet')}`);
  });
});

describe('the DHCP lease time', () => {
  it.each([
    [undefined, DEFAULT_DHCP_LEASE_SECONDS],
    ['{\n    DHCPLeaseTimeSecs = 600;\n}', 600],
    ['{\n    DHCPLeaseTimeSecs = "3600";\n}', 3600],
    ['{\n    Other = 1;\n}', DEFAULT_DHCP_LEASE_SECONDS],
  ])('from `defaults read` %j is %i s', (output, seconds) => expect(dhcpLeaseSeconds(output)).toBe(seconds));
});

describe('tartHostReport', () => {
  it('isolates guests with softnet, which also shortens the lease', () => {
    expect(tartHostReport({ available: true, path: '/opt/homebrew/bin/softnet' }, 86_400)).toEqual({
      network: 'softnet',
      warnings: [],
    });
  });

  it('says guests are not isolated without softnet, and how to shorten a default lease', () => {
    const report = tartHostReport({ available: false, reason: 'softnet is not installed' }, 86_400);
    expect(report.network).toBe('shared');
    expect(report.warnings[0]).toMatch(/^guests are NOT isolated: .*\(softnet is not installed\)$/);
    expect(report.warnings[1]).toContain(SHORT_LEASE_COMMAND);
    expect(SHORT_LEASE_COMMAND).toBe(
      'sudo defaults write /Library/Preferences/SystemConfiguration/com.apple.InternetSharing.default.plist bootpd -dict DHCPLeaseTimeSecs -int 600',
    );
    expect(tartHostReport({ available: false, reason: 'x' }, 600).warnings).toHaveLength(1);
  });
});
