import { setTimeout as sleep } from 'node:timers/promises';
import { guestExec } from './qmp.js';

/**
 * The share of CPU time the guest spent busy between two readings of its `/proc/stat` (the `cpu`
 * line: user nice system idle iowait irq softirq steal ...), from 0 to 1.
 */
export function cpuBusyFraction(before: string, after: string): number {
  const times = (stat: string) => {
    const fields = stat.split('\n', 1)[0]?.trim().split(/\s+/) ?? [];
    if (fields[0] !== 'cpu')
      throw new Error(`not a /proc/stat cpu line: ${JSON.stringify(fields.join(' '))}`);
    const values = fields.slice(1, 9).map(Number);
    const idle = (values[3] ?? 0) + (values[4] ?? 0);
    return { idle, total: values.reduce((sum, value) => sum + value, 0) };
  };
  const [a, b] = [times(before), times(after)];
  const total = b.total - a.total;
  return total > 0 ? 1 - (b.idle - a.idle) / total : 0;
}

/** The guest counts as idle below this share of busy CPU over IDLE_WINDOW_MS. */
const IDLE_BELOW = 0.1;
const IDLE_WINDOW_MS = 2_000;

/** How waiting for an idle guest ended: idle or not, its last busy share, and how long it took. */
export interface GuestIdle {
  idle: boolean;
  busy: number;
  waitedMs: number;
}

/**
 * Waits until the guest's CPUs are idle (busy under 10 % over 2 s), `timeoutMs` at most (default a
 * minute). Memory saved while the guest is busy replays that work in every guest restored from it,
 * beside its fix-ups and first page: the snapshot waits for this (and so does the benchmark's suspend,
 * as an idle suspend finds a guest).
 */
export async function untilGuestIdle(qgaSocket: string, timeoutMs = 60_000): Promise<GuestIdle> {
  const stat = async () =>
    (await guestExec(qgaSocket, ['/bin/cat', '/proc/stat'], { timeoutMs: 30_000 })).stdout;
  const started = Date.now();
  let before = await stat();
  for (;;) {
    await sleep(IDLE_WINDOW_MS);
    const after = await stat();
    const busy = cpuBusyFraction(before, after);
    const waitedMs = Date.now() - started;
    if (busy < IDLE_BELOW || waitedMs > timeoutMs) return { idle: busy < IDLE_BELOW, busy, waitedMs };
    before = after;
  }
}
