import { randomBytes } from 'node:crypto';
import { assertWorkspaceName } from '@rockpool/model';
import { RuntimeError } from '../vm-runtime.js';
import { type GuestSession, withGuestSession } from './qmp.js';

/**
 * Perl shared by both programs: steps the clock by `$offset_ns` (relative, so the program's own
 * start-up time does not matter), defines `put` (write beside, then rename into place) and installs
 * `$secret` as scripts/guest/rockpool-gate-secret does (0600).
 */
const STEP_CLOCK_AND_INSTALL_SECRET = `my $ts = pack("q<q<", 0, 0);
syscall(228, 0, $ts) == 0 or die "clock_gettime: $!\\n";
my ($sec, $nsec) = unpack("q<q<", $ts);
my $t = $sec * 1000000000 + $nsec + $offset_ns;
syscall(227, 0, pack("q<q<", $t / 1000000000, $t % 1000000000)) == 0 or die "clock_settime: $!\\n";
sub put { my ($file, $text, $mode) = @_;
  open(my $f, ">", "$file.new") or die "write $file: $!\\n"; print $f $text; close($f) or die "write $file: $!\\n";
  chmod($mode, "$file.new") if defined $mode;
  rename("$file.new", $file) or die "rename $file: $!\\n"; }
umask(077);
mkdir("/run/rockpool", 0700);
put("/run/rockpool/gate-secret", "$secret\\n");
`;

/**
 * Makes a guest restored from the shared snapshot this workspace's own: one perl-base program (in
 * every Debian, so the image needs nothing new) run as root through the guest agent; one process,
 * because each one costs ~0.2 s under TCG. Every restored copy starts with the snapshot's kernel RNG
 * state, clock, hostname, machine-id and environment, and no gate secret; this sets each. Secrets come
 * on stdin, never on a command line; the name is a validated DNS label.
 *
 * - RNG: the host's random bytes go into the kernel's input pool with RNDADDENTROPY (credited), then
 *   RNDRESEEDCRNG makes the CRNG take its next key from that pool at once, so /dev/urandom,
 *   getrandom() and /proc/sys/kernel/random/uuid differ between copies from here on (boot_id too, as
 *   the kernel makes it on first read, which the snapshot guest never did). What it cannot change: the
 *   state of user-space generators in processes that ran when the snapshot was taken (code-server,
 *   the gate).
 * - Clock: still where it was at save time; moved by the offset the host measured just before
 *   (a relative step, so the time this program takes to start does not matter). The agent's own
 *   guest-set-time also runs hwclock, which waits up to a second for the RTC.
 * - Name: applied by scripts/guest/rockpool-settings, exactly as rockpool-init does on a cold boot
 *   (hostname, /etc/hostname and /etc/hosts, ROCKPOOL_WORKSPACE_NAME in /etc/rockpool.env,
 *   /etc/environment and /etc/profile.d/rockpool.sh for login shells); and in
 *   code-server's machine settings as `terminal.integrated.env.linux`: code-server itself kept the
 *   snapshot's environment, and the IDE's terminals (non-login bash, which reads only ~/.bashrc)
 *   inherit from it; the setting puts the right name in every new terminal.
 * - /etc/machine-id: new, from the host.
 * - The gate's secret, as scripts/guest/rockpool-gate-secret installs it (0600, renamed into place).
 * Syscall numbers are x86_64's (clock_gettime 228, clock_settime 227), the only QEMU guest.
 *
 * Start-up is what costs under TCG: the programs load no module but `integer` (`strict` and
 * `warnings` took 0.1 s together; the unit tests compile both programs with them), and the settings'
 * owner is that of coder's home directory (getpwnam loads the NSS modules).
 */

export const FIXUP_PROGRAM = `use integer;
my $name = $ARGV[0];
my @in = map { my $l = <STDIN> // die "short input\\n"; chomp $l; $l } 1 .. 4;
my ($offset_ns, $machine_id, $seed, $secret) = ($in[0], $in[1], pack("H*", $in[2]), $in[3]);
length($seed) >= 32 or die "expected a seed of at least 32 bytes\\n";
length($secret) >= 32 or die "expected a gate secret of at least 32 characters\\n";
open(my $random, ">", "/dev/random") or die "open /dev/random: $!\\n";
ioctl($random, 0x40085203, pack("ii", 8 * length($seed), length($seed)) . $seed) or die "RNDADDENTROPY: $!\\n";
ioctl($random, 0x5207, 0) or die "RNDRESEEDCRNG: $!\\n";
close($random);
${STEP_CLOCK_AND_INSTALL_SECRET}umask(022);
put("/etc/machine-id", "$machine_id\\n", 0444);
put("/run/rockpool-settings.env", "ROCKPOOL_WORKSPACE_NAME=$name\\n");
system("/usr/local/sbin/rockpool-settings", "/run/rockpool-settings.env") == 0 or die "rockpool-settings failed\\n";
my ($uid, $gid) = (stat("/home/coder"))[4, 5];
defined $uid or die "no /home/coder: $!\\n";
my $dir = "/home/coder";
for my $part (".local", "share", "code-server", "Machine") {
  $dir .= "/$part";
  next if -d $dir;
  mkdir($dir, 0755) or die "mkdir $dir: $!\\n";
  chown($uid, $gid, $dir) or die "chown $dir: $!\\n"; }
put("$dir/settings.json", "{\\n  \\"terminal.integrated.env.linux\\": { \\"ROCKPOOL_WORKSPACE_NAME\\": \\"$name\\" }\\n}\\n");
chown($uid, $gid, "$dir/settings.json") or die "chown settings: $!\\n";
`;

/**
 * What the fix-ups read on stdin after the clock offset (ns, measured just before they run), one
 * per line: machine-id and RNG seed (hex), gate secret.
 */
export function fixupInput(gateSecret: string, random: (bytes: number) => Buffer = randomBytes): string {
  return `${random(16).toString('hex')}\n${random(64).toString('hex')}\n${gateSecret}\n`;
}

/** How far the host's clock is ahead of the guest's, in ns (half the agent's round trip allowed for). */
export async function clockOffsetNs(guest: GuestSession, now: () => number): Promise<bigint> {
  const before = now();
  const guestNs = BigInt((await guest.call('guest-get-time')) as number);
  const hostNs = BigInt(Math.round(((before + now()) / 2) * 1e6));
  return hostNs - guestNs;
}

/**
 * Runs `program` (perl) in the guest with the clock offset measured just before as the first line
 * of its stdin, then `rest`; returns the clock's remaining offset in ms (host minus guest). One
 * guest-agent session for all three steps: each new one costs ~0.1 s (GuestSession).
 */
async function runWithClock(
  qgaSocket: string,
  command: { argv: string[]; rest: string; failure: string },
  options: { now: () => number; timeoutMs?: number },
): Promise<number> {
  return withGuestSession(qgaSocket, async (guest) => {
    const offset = await clockOffsetNs(guest, options.now);
    const result = await guest.exec(command.argv, {
      input: `${offset}\n${command.rest}`,
      timeoutMs: options.timeoutMs ?? 30_000,
    });
    if (result.exitCode !== 0)
      throw new RuntimeError(
        'vm_start_failed',
        `${command.failure} (exit ${result.exitCode}): ${result.stderr.trim()}`,
      );
    return Number((await clockOffsetNs(guest, options.now)) / 1_000_000n);
  });
}

/**
 * Runs the fix-ups in the restored guest of `workspace`, with its gate secret, and returns the
 * clock's remaining offset in ms (host minus guest); throws with the guest's own words if they fail.
 */
export function applyFixups(
  qgaSocket: string,
  workspace: string,
  options: { gateSecret: string; now: () => number; timeoutMs?: number },
): Promise<number> {
  assertWorkspaceName(workspace);
  return runWithClock(
    qgaSocket,
    {
      argv: ['/usr/bin/perl', '-e', FIXUP_PROGRAM, workspace],
      rest: fixupInput(options.gateSecret),
      failure: `making the restored guest ${workspace}'s own failed`,
    },
    options,
  );
}

/**
 * What a guest resumed from its own saved memory needs before its IDE answers: its clock, still at
 * the moment of suspend, stepped to the host's, and the gate's new secret (every launch makes one).
 * One process for both: the agent's guest-set-time took 0.44 s after a resume (it also runs
 * hwclock), and the secret's shell script another 0.3 s. Reads the offset (ns) and the secret on
 * stdin.
 */
export const RESUME_PROGRAM = `use integer;
my @in = map { my $l = <STDIN> // die "short input\\n"; chomp $l; $l } 1 .. 2;
my ($offset_ns, $secret) = @in;
$offset_ns =~ /^-?[0-9]+$/ or die "expected a clock offset in ns\\n";
$secret =~ /^[A-Za-z0-9_-]{32,}$/ or die "expected a gate secret of at least 32 base64url characters\\n";
${STEP_CLOCK_AND_INSTALL_SECRET}`;

/**
 * Sets a resumed guest's clock to the host's and installs its gate secret (RESUME_PROGRAM); returns
 * the clock's remaining offset in ms (host minus guest). Throws with the guest's own words.
 */
export function applyResumeFixups(
  qgaSocket: string,
  options: { gateSecret: string; now: () => number; timeoutMs?: number },
): Promise<number> {
  return runWithClock(
    qgaSocket,
    {
      argv: ['/usr/bin/perl', '-e', RESUME_PROGRAM],
      rest: `${options.gateSecret}\n`,
      failure: "setting the resumed guest's clock and gate secret failed",
    },
    options,
  );
}
