import { execa } from 'execa';

/** The unprivileged user QEMU drops to; the firewall rule keys on it. */
export const VM_USER = 'rockpool-vm';
const TABLE = 'rockpool_guests';

/**
 * Guests use QEMU user networking: their connections leave as sockets of the QEMU process. QEMU
 * maps 10.0.2.2 to the host's loopback, where other guests' forwards, the user's own services and
 * (if misconfigured) the control plane listen. Running QEMU as a dedicated user lets one nftables
 * rule refuse every new connection from that user to any address of this host (loopback and host
 * IPs), except DNS; the internet stays reachable. Needs root; without it, isolation is reported as
 * unavailable and the worker warns.
 */
export function guardRuleset(): string {
  return `table inet ${TABLE} {
  chain output {
    type filter hook output priority 0; policy accept;
    meta skuid "${VM_USER}" ct state new fib daddr type local udp dport 53 accept
    meta skuid "${VM_USER}" ct state new fib daddr type local tcp dport 53 accept
    meta skuid "${VM_USER}" ct state new fib daddr type local counter reject with tcp reset
    meta skuid "${VM_USER}" ct state new fib daddr type local counter reject
  }
}
`;
}

export type Isolation = { enforced: true } | { enforced: false; reason: string };

export async function ensureGuestIsolation(): Promise<Isolation> {
  if (process.getuid?.() !== 0)
    return { enforced: false, reason: 'the worker is not root (needs CAP_NET_ADMIN and a VM user)' };
  const user = await execa('id', ['-u', VM_USER], { reject: false });
  if (user.exitCode !== 0) {
    const created = await execa(
      'useradd',
      ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', VM_USER],
      {
        reject: false,
      },
    );
    if (created.exitCode !== 0)
      return { enforced: false, reason: `cannot create user ${VM_USER}: ${created.stderr}` };
  }
  // Replace the table atomically: delete (if present) and add in one nft transaction.
  const existing = await execa('nft', ['list', 'table', 'inet', TABLE], { reject: false });
  const script = `${existing.exitCode === 0 ? `delete table inet ${TABLE}\n` : ''}${guardRuleset()}`;
  const loaded = await execa('nft', ['-f', '-'], { input: script, reject: false });
  if (loaded.exitCode !== 0)
    return { enforced: false, reason: `nft failed: ${loaded.stderr || 'is nftables installed?'}` };
  return { enforced: true };
}

/** The VM user's uid and gid, for files QEMU opens after it dropped to that user. */
export async function vmUserIds(): Promise<[number, number]> {
  const uid = Number((await execa('id', ['-u', VM_USER])).stdout);
  const gid = Number((await execa('id', ['-g', VM_USER])).stdout);
  return [uid, gid];
}
