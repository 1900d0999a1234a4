// The gate's secret, as the host installed it in a file (QEMU: through the guest agent; tart: in
// the worker's read-only share).
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/** Shorter secrets count as not installed: the host writes 32 random bytes (43+ characters). */
export const MIN_SECRET_LENGTH = 32;

/** @typedef {'ok' | 'refused' | 'not_installed'} Verdict */

const digest = (/** @type {string} */ text) => createHash('sha256').update(text).digest();

/**
 * Reads the secret file lazily: again once `maxAgeMs` passed since the last read (so a rotation or a
 * removal takes effect within that time) and at once when a caller presents a secret that does not
 * match (so the first request with a new secret is not refused). Keeps only a hash; comparing
 * hashes with timingSafeEqual reveals neither the secret nor its length through timing. `log` hears
 * state changes (installed, missing, unreadable), never the secret.
 */
export function secretStore(
  /** @type {string} */ file,
  maxAgeMs = 1000,
  log = (/** @type {string} */ _line) => {},
) {
  /** @type {Buffer | undefined} */
  let secret;
  let readAt = Number.NEGATIVE_INFINITY;
  let state = '';
  /** @type {Promise<void> | undefined} */
  let reading;
  const report = (/** @type {string} */ next) => {
    if (next !== state) log(next);
    state = next;
  };
  const load = () => {
    reading ??= readFile(file, 'utf8')
      .then(
        (text) => {
          const value = text.trim();
          secret = value.length >= MIN_SECRET_LENGTH ? digest(value) : undefined;
          report(
            secret
              ? 'secret installed'
              : `the secret in ${file} is shorter than ${MIN_SECRET_LENGTH} characters`,
          );
        },
        (/** @type {NodeJS.ErrnoException} */ error) => {
          secret = undefined;
          report(error.code === 'ENOENT' ? `no secret yet (${file})` : `cannot read ${file}: ${error.code}`);
        },
      )
      .finally(() => {
        readAt = Date.now();
        reading = undefined;
      });
    return reading;
  };
  /** @returns {Verdict} */
  const compare = (/** @type {string | undefined} */ presented) => {
    if (!secret) return 'not_installed';
    return presented !== undefined && timingSafeEqual(digest(presented), secret) ? 'ok' : 'refused';
  };
  return {
    /**
     * Whether `presented` (undefined: none) is the secret.
     * @returns {Promise<Verdict>}
     */
    async check(/** @type {string | undefined} */ presented) {
      if (Date.now() - readAt >= maxAgeMs) await load();
      const verdict = compare(presented);
      if (verdict === 'ok' || presented === undefined) return verdict;
      await load();
      return compare(presented);
    },
  };
}
