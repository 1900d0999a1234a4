import { randomBytes } from 'node:crypto';
import { assertWorkspaceName } from '@rockpool/model';
import { RuntimeError } from '../vm-runtime.js';
import { guestExec } from './qmp.js';

/**
 * Makes a guest restored from the shared snapshot this workspace's own, as root through the guest
 * agent with standard tools of the image (sh, perl-base, hostname). Every restored copy starts with
 * the snapshot's kernel RNG state, hostname, machine-id and environment; this replaces each. Secrets
 * come on stdin (hex, one per line), never on a command line; the name is a validated DNS label.
 *
 * - RNG: the host's random bytes go into the kernel's input pool with RNDADDENTROPY (credited), then
 *   RNDRESEEDCRNG makes the CRNG take its next key from that pool at once, so /dev/urandom,
 *   getrandom() and /proc/sys/kernel/random/uuid differ between copies from here on. What it cannot
 *   change: boot_id (fixed per boot by the kernel) and the state of user-space generators in processes
 *   that ran when the snapshot was taken (code-server, the gate).
 * - Name: hostname, /etc/hostname and /etc/hosts, as rockpool-init does on a cold boot;
 *   ROCKPOOL_WORKSPACE_NAME in /etc/profile.d/rockpool.sh and /etc/environment (login shells), and in
 *   code-server's machine settings as `terminal.integrated.env.linux`: code-server itself kept the
 *   snapshot's environment, and the IDE's terminals (non-login bash, which reads only ~/.bashrc)
 *   inherit from it; the setting puts the right name in every new terminal.
 * - /etc/machine-id: new, from the host.
 */
export const FIXUP_SCRIPT = `set -eu
name=$1
read -r machine_id
perl -e '
  my $hex = <STDIN>; chomp $hex; my $seed = pack("H*", $hex);
  length($seed) >= 32 or die "expected a seed of at least 32 bytes\\n";
  open(my $random, ">", "/dev/random") or die "open /dev/random: $!\\n";
  ioctl($random, 0x40085203, pack("ii", 8 * length($seed), length($seed)) . $seed) or die "RNDADDENTROPY: $!\\n";
  ioctl($random, 0x5207, 0) or die "RNDRESEEDCRNG: $!\\n";
'
printf '%s\\n' "$machine_id" > /etc/machine-id.new && mv -f /etc/machine-id.new /etc/machine-id
hostname "$name"
printf '%s\\n' "$name" > /etc/hostname
printf '127.0.0.1 localhost\\n127.0.1.1 %s\\n' "$name" > /etc/hosts
printf 'export ROCKPOOL_WORKSPACE_NAME=%s\\n' "$name" > /etc/profile.d/rockpool.sh
printf 'ROCKPOOL_WORKSPACE_NAME=%s\\n' "$name" > /etc/environment
settings=/home/coder/.local/share/code-server/Machine
runuser -u coder -- mkdir -p "$settings"
printf '{\\n  "terminal.integrated.env.linux": { "ROCKPOOL_WORKSPACE_NAME": "%s" }\\n}\\n' "$name" > "$settings/settings.json.new"
chown coder:coder "$settings/settings.json.new"
mv -f "$settings/settings.json.new" "$settings/settings.json"
sync
`;

/** What the fix-ups read on stdin: the machine-id, then the RNG seed (64 bytes), hex, one per line. */
export function fixupInput(random: (bytes: number) => Buffer = randomBytes): string {
  return `${random(16).toString('hex')}\n${random(64).toString('hex')}\n`;
}

/** Runs the fix-ups in the restored guest of `workspace`; throws with the guest's own words if they fail. */
export async function applyFixups(qgaSocket: string, workspace: string, timeoutMs = 30_000): Promise<void> {
  assertWorkspaceName(workspace);
  const result = await guestExec(qgaSocket, ['/bin/sh', '-c', FIXUP_SCRIPT, 'rockpool-fixups', workspace], {
    input: fixupInput(),
    timeoutMs,
  });
  if (result.exitCode !== 0)
    throw new RuntimeError(
      'vm_start_failed',
      `making the restored guest ${workspace}'s own failed (exit ${result.exitCode}): ${result.stderr.trim()}`,
    );
}
