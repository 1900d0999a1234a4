/** The first wait after a failed route sync; each further failure doubles it, up to the maximum. */
export const SYNC_BACKOFF_BASE_MS = 5_000;
export const SYNC_BACKOFF_MAX_MS = 300_000;

/**
 * Keeps a failing periodic route sync from retrying the same write every few seconds without a
 * word: each distinct failure is reported once (and the recovery once), and attempts back off
 * exponentially while it lasts.
 */
export class SyncBackoff {
  #message: string | undefined;
  #failures = 0;
  #nextAttemptAt = 0;

  constructor(
    private readonly now: () => number,
    private readonly baseMs = SYNC_BACKOFF_BASE_MS,
    private readonly maxMs = SYNC_BACKOFF_MAX_MS,
  ) {}

  /** Whether a periodic attempt is due now. */
  due(): boolean {
    return this.now() >= this.#nextAttemptAt;
  }

  /** Records a failure; true when it differs from the last one (so it should be reported). */
  failed(message: string): boolean {
    const isNew = message !== this.#message;
    this.#message = message;
    this.#failures = isNew ? 1 : this.#failures + 1;
    this.#nextAttemptAt = this.now() + Math.min(this.baseMs * 2 ** (this.#failures - 1), this.maxMs);
    return isNew;
  }

  /** Records a success; the failure it ends (to report), if there was one. */
  succeeded(): string | undefined {
    const ended = this.#message;
    this.#message = undefined;
    this.#failures = 0;
    this.#nextAttemptAt = 0;
    return ended;
  }
}
