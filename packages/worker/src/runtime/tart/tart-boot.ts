import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { GATE_SECRET_HEADER } from '@rockpool/caddy';
import { type GateEndpoint, RuntimeError } from '../vm-runtime.js';

/** What answered at an address: this boot's gate, something else, or nothing (yet). */
export type GuestIdentity = 'this-boot' | 'not-this-boot' | 'no-answer';

/** A secret no boot is given (a real one is 43 random base64url characters). */
const WRONG_SECRET = '-'.repeat(43);

function gateStatus(address: string, secret: string, timeoutMs: number): Promise<number | undefined> {
  const colon = address.lastIndexOf(':');
  return new Promise((resolve) => {
    const req = request(
      {
        host: address.slice(0, colon),
        port: Number(address.slice(colon + 1)),
        path: '/healthz',
        headers: { [GATE_SECRET_HEADER]: secret },
        timeout: timeoutMs,
        agent: false,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/**
 * Whether the guest answering at `address` is the boot that was given `secret`. Only that boot's gate
 * knows the secret (new for every `tart run`, in its share): a gate refuses a wrong secret with 403,
 * and takes its own (code-server's answer, or the gate's own 502 while code-server starts). Another
 * workspace's gate refuses ours; a server that is no gate does not refuse the wrong one.
 */
export async function guestIdentity(
  address: string,
  secret: string,
  timeoutMs: number,
): Promise<GuestIdentity> {
  const wrong = await gateStatus(address, WRONG_SECRET, timeoutMs);
  if (wrong === undefined) return 'no-answer';
  if (wrong !== 403) return 'not-this-boot';
  const ours = await gateStatus(address, secret, timeoutMs);
  if (ours === undefined) return 'no-answer';
  // 503: a gate with no secret at all, so not the one reading this boot's share.
  return ours === 403 || ours === 503 ? 'not-this-boot' : 'this-boot';
}

export interface ThisBootWait {
  vm: string;
  /** The address of the VM's lease (`tart ip`), if it has one now. */
  ip(): Promise<string | undefined>;
  /** Whether `tart run` exited, and why (from its log). */
  exited(): boolean;
  whyExited(): Promise<RuntimeError>;
  logTail(): Promise<string>;
  secret: string;
  gatePort: number;
  timeoutMs: number;
  /** Per probe request. */
  probeTimeoutMs?: number;
}

const POLL_MS = 200;

/**
 * The gate of the boot that `tart run` just started. `tart ip` answers from the DHCP lease of the
 * VM's MAC, running or not, and a lease outlives its boot: until the new boot has its own, the
 * previous boot's lease answers, with an address where nothing or another VM now listens. So an
 * address counts only once the guest there answers as this boot (guestIdentity), and only while
 * `tart run` still runs: tart can still fail after taking the VM's lock (the two-VM limit).
 */
export async function untilThisBoot(wait: ThisBootWait): Promise<GateEndpoint> {
  const deadline = Date.now() + wait.timeoutMs;
  let last = 'no DHCP lease';
  for (;;) {
    if (wait.exited()) throw await wait.whyExited();
    const ip = await wait.ip(); // one try; tart sleeps 1 s before saying there is none
    if (wait.exited()) throw await wait.whyExited();
    if (ip) {
      const address = `${ip}:${wait.gatePort}`;
      const identity = await guestIdentity(address, wait.secret, wait.probeTimeoutMs ?? 2_000);
      if (identity === 'this-boot') return { address, secret: wait.secret };
      last = `${address} ${identity === 'no-answer' ? 'does not answer (yet)' : 'answers, but not as this boot (a stale DHCP lease?)'}`;
    }
    if (Date.now() > deadline)
      throw new RuntimeError(
        'vm_start_failed',
        `${wait.vm} runs but its guest did not answer as this boot within ${wait.timeoutMs / 1000} s (last: ${last}): ${await wait.logTail()}`,
      );
    if (ip) await sleep(POLL_MS);
  }
}
