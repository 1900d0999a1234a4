import type { GuestSession } from './qmp.js';
import { callRestoreAgent, restoreRequest } from './restore-agent.js';

/**
 * What makes a restored guest right again, done by the guest's restore agent (restore-agent.ts,
 * scripts/guest/rockpool-restore-agent), which runs from boot on: under TCG a restored guest
 * translates every code path anew, and the process the guest agent started for this (perl, one
 * program) cost 0.2-0.5 s of every create and resume.
 *
 * Every copy of the shared snapshot starts with its kernel RNG state, clock, hostname, machine-id
 * and environment, and no gate secret; a guest resumed from its own memory, with its clock where
 * the suspend left it and the secret of its last launch (the host makes a new one every launch).
 * Secrets and seeds go over the agent's port, a host socket in the VM's 0700 directory, never on a
 * command line.
 */
const AGENT_TIMEOUT_MS = 30_000;

/** The fix-ups' outcome: the clock's remaining offset (host minus guest, ms; at most the port's round trip). */
export interface Fixed {
  skewMs: number;
}

/**
 * Makes a copy of the guest snapshot the workspace's own: clock, a credited RNG seed and reseed
 * (so no two copies share RNG state from here on), gate secret, machine-id, and its name (hostname,
 * environment, code-server's terminals). Throws with the agent's own words if it refuses.
 */
export async function applyFixups(
  restoreSocket: string,
  workspace: string,
  options: { gateSecret: string; now: () => number; timeoutMs?: number },
): Promise<Fixed> {
  const { skewMs } = await callRestoreAgent(
    restoreSocket,
    (hostNs) => restoreRequest(workspace, options.gateSecret, hostNs),
    { timeoutMs: options.timeoutMs ?? AGENT_TIMEOUT_MS, now: options.now },
  );
  return { skewMs };
}

/** Sets a resumed guest's clock to the host's and installs the gate's new secret. */
export async function applyResumeFixups(
  restoreSocket: string,
  options: { gateSecret: string; now: () => number; timeoutMs?: number },
): Promise<Fixed> {
  const { skewMs } = await callRestoreAgent(
    restoreSocket,
    (hostNs) => ({ kind: 'resume', hostNs, gateSecret: options.gateSecret }),
    { timeoutMs: options.timeoutMs ?? AGENT_TIMEOUT_MS, now: options.now },
  );
  return { skewMs };
}

/**
 * How far the host's clock is ahead of the guest's, in ns, read through the guest agent (half its
 * round trip allowed for): an independent check of what the restore agent did.
 */
export async function clockOffsetNs(guest: GuestSession, now: () => number): Promise<bigint> {
  const before = now();
  const guestNs = BigInt((await guest.call('guest-get-time')) as number);
  const hostNs = BigInt(Math.round(((before + now()) / 2) * 1e6));
  return hostNs - guestNs;
}
