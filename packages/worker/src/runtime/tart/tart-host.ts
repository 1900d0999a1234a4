import { access, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import type { TartNetwork } from './tart-args.js';

/** Whether tart can run softnet (`--net-softnet`), decided as tart and softnet decide it. */
export type SoftnetStatus = { available: true; path: string } | { available: false; reason: string };

/** The host's side of detection, injected so tests need no root-owned setuid binary. */
export interface SoftnetProbe {
  /** Owner uid and mode of the file a path resolves to (symlinks followed, as the kernel does). */
  owner(path: string): Promise<{ uid: number; mode: number }>;
  /** Whether `sudo --non-interactive <softnet> --help` exits 0: softnet re-runs itself so. */
  passwordlessSudo(path: string): Promise<boolean>;
}

export const realSoftnetProbe: SoftnetProbe = {
  async owner(path) {
    const info = await stat(await realpath(path));
    return { uid: info.uid, mode: info.mode };
  },
  async passwordlessSudo(path) {
    const result = await execa('sudo', ['--non-interactive', path, '--help'], {
      reject: false,
      stdin: 'ignore',
      timeout: 10_000,
    });
    return result.exitCode === 0;
  },
};

const SETUID = 0o4000;

/**
 * tart looks `softnet` up in its own PATH (Softnet.swift, Utils.swift `resolveBinaryPath`) and fails
 * with "softnet not found in PATH" without it. softnet needs root: a setuid-root binary, or
 * passwordless sudo (it re-runs itself with `sudo --non-interactive`). tart offers to set the bit only
 * at a terminal, never for a `tart run` whose output goes to a log, as ours does.
 */
export async function detectSoftnet(
  env: NodeJS.ProcessEnv,
  probe: SoftnetProbe = realSoftnetProbe,
): Promise<SoftnetStatus> {
  let found: string | undefined;
  for (const dir of (env.PATH ?? '').split(':').filter(Boolean)) {
    const candidate = join(dir, 'softnet');
    if (
      await access(candidate).then(
        () => true,
        () => false,
      )
    ) {
      found = candidate;
      break;
    }
  }
  if (!found)
    return { available: false, reason: 'softnet is not installed (brew install cirruslabs/cli/softnet)' };
  const { uid, mode } = await probe.owner(found);
  if ((uid === 0 && (mode & SETUID) !== 0) || (await probe.passwordlessSudo(found)))
    return { available: true, path: found };
  return {
    available: false,
    reason: `${found} is neither setuid root nor allowed passwordless sudo (sudo chown root ${found} && sudo chmod u+s ${found})`,
  };
}

/** bootpd's default lease, when com.apple.InternetSharing.default.plist sets none. */
export const DEFAULT_DHCP_LEASE_SECONDS = 86_400;

/** The plist tart's FAQ changes; reading it needs no privileges. */
export const BOOTPD_PLIST =
  '/Library/Preferences/SystemConfiguration/com.apple.InternetSharing.default.plist';

/** The command from tart's FAQ ("DHCP lease time"), which lasts across reboots. */
export const SHORT_LEASE_COMMAND = `sudo defaults write ${BOOTPD_PLIST} bootpd -dict DHCPLeaseTimeSecs -int 600`;

/**
 * The lease time from `defaults read <BOOTPD_PLIST> bootpd` (an old-style plist dictionary, e.g.
 * `{\n    DHCPLeaseTimeSecs = 600;\n}`); undefined output (no such key or domain) is bootpd's default.
 */
export function dhcpLeaseSeconds(defaultsOutput: string | undefined): number {
  const match = defaultsOutput?.match(/DHCPLeaseTimeSecs\s*=\s*"?(\d+)"?\s*;/);
  return match ? Number(match[1]) : DEFAULT_DHCP_LEASE_SECONDS;
}

/** What the worker and `rockpool status` say about the tart host. */
export interface TartHostReport {
  network: TartNetwork;
  /** Each a sentence saying what is wrong and what to do. */
  warnings: string[];
}

/**
 * Chooses the guests' network and says what is not as it should be. Without softnet, guests share
 * vmnet's NAT: they reach each other and the host, and each new clone (a new MAC) holds a DHCP lease
 * for bootpd's lease time, a day unless shortened; about 253 new workspaces a day exhaust the /24.
 * softnet sets the lease time to 600 s whenever it starts.
 */
export function tartHostReport(softnet: SoftnetStatus, leaseSeconds: number): TartHostReport {
  if (softnet.available) return { network: 'softnet', warnings: [] };
  const warnings = [
    `guests are NOT isolated: without softnet they share vmnet's NAT network and can reach each other and this host (${softnet.reason})`,
  ];
  if (leaseSeconds >= DEFAULT_DHCP_LEASE_SECONDS)
    warnings.push(
      `macOS's DHCP server leases each new VM an address for ${leaseSeconds} s: about 253 new workspaces a day exhaust its pool. Shorten it once (tart's FAQ): ${SHORT_LEASE_COMMAND}`,
    );
  return { network: 'shared', warnings };
}

/** `defaults read` of the lease time on this Mac; undefined where the key (or the plist) is absent. */
export async function readBootpdDefaults(): Promise<string | undefined> {
  const result = await execa('defaults', ['read', BOOTPD_PLIST, 'bootpd'], {
    reject: false,
    stdin: 'ignore',
  });
  return result.exitCode === 0 ? result.stdout : undefined;
}
