import { createHmac, randomBytes } from 'node:crypto';

export interface VerifiedPasswordsOptions {
  /** How long a verification is remembered. Default 5 min. */
  ttlMs?: number;
  /** Remembered verifications at most; the oldest is forgotten first. Default 1000. */
  maxEntries?: number;
  now?: () => number;
}

/**
 * Recently verified passwords, so that an API client sending basic auth with every request pays
 * bcrypt (~70 ms at cost 10) once every few minutes, not each time. Only a keyed digest of user,
 * password hash and password is kept, under a random key of this process: the memory holds nothing
 * a password could be guessed against offline. The user's current hash is part of the digest, so a
 * new password (or a removed and re-added user) never matches an old entry.
 */
export class VerifiedPasswords {
  readonly #key = randomBytes(32);
  readonly #expiries = new Map<string, number>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: VerifiedPasswordsOptions = {}) {
    this.#ttlMs = options.ttlMs ?? 5 * 60_000;
    this.#maxEntries = options.maxEntries ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  has(username: string, passwordHash: string, password: string): boolean {
    const digest = this.#digest(username, passwordHash, password);
    const expiry = this.#expiries.get(digest);
    if (expiry === undefined) return false;
    if (expiry > this.#now()) return true;
    this.#expiries.delete(digest);
    return false;
  }

  remember(username: string, passwordHash: string, password: string): void {
    const digest = this.#digest(username, passwordHash, password);
    this.#expiries.delete(digest);
    if (this.#expiries.size >= this.#maxEntries) {
      const oldest = this.#expiries.keys().next().value;
      if (oldest !== undefined) this.#expiries.delete(oldest);
    }
    this.#expiries.set(digest, this.#now() + this.#ttlMs);
  }

  // User names and bcrypt hashes hold no newline, so the three parts cannot run into each other.
  #digest(username: string, passwordHash: string, password: string): string {
    return createHmac('sha256', this.#key)
      .update(`${username}\n${passwordHash}\n${password}`)
      .digest('base64url');
  }
}
