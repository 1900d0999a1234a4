/** How many failed sign-ins one client IP gets, and over how long. */
export interface SignInBudgetPolicy {
  maxFailures: number;
  windowMs: number;
}

/** 10 failed sign-ins per client IP per 15 minutes. */
export const DEFAULT_SIGN_IN_BUDGET: SignInBudgetPolicy = { maxFailures: 10, windowMs: 15 * 60_000 };

/** Above this many client IPs tracked, those whose failures have all expired are forgotten. */
const PRUNE_ABOVE = 1000;

/** One password check under way: counted as a failure unless it succeeds. */
export interface SignInAttempt {
  /** The password was right: this attempt no longer counts. */
  succeeded(): void;
}

/**
 * Failed sign-ins per client IP in a sliding window: the one budget for password guessing. Every
 * password check counts against it, the sign-in page's and `POST /api/session`'s as well as basic
 * auth on the control-plane server (the edge asks the control plane; the workspace server takes no
 * password). A success does not refill it: a user with an account must not buy more guesses at
 * another's. In memory: a server restart refills every budget.
 */
export class SignInBudget {
  readonly #failures = new Map<string, number[]>();

  constructor(
    private readonly policy: SignInBudgetPolicy = DEFAULT_SIGN_IN_BUDGET,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(policy.maxFailures) || policy.maxFailures < 1)
      throw new RangeError(`the sign-in budget needs at least 1 failure (got ${policy.maxFailures})`);
    if (!(policy.windowMs > 0))
      throw new RangeError(`the sign-in window must be positive (got ${policy.windowMs})`);
  }

  /** Seconds until `ip` may try again, or 0 when it has failures left. */
  retryAfterS(ip: string): number {
    const recent = this.#recent(ip);
    if (recent.length < this.policy.maxFailures) return 0;
    const oldest = recent[recent.length - this.policy.maxFailures] as number;
    return Math.max(1, Math.ceil((oldest + this.policy.windowMs - this.now()) / 1000));
  }

  /**
   * Counts a password check as failed from its start, so that checks running concurrently (bcrypt
   * takes tens of milliseconds) cannot together overrun the budget; a right password takes it back.
   */
  begin(ip: string): SignInAttempt {
    const stamp = this.now();
    const recent = this.#recent(ip);
    recent.push(stamp);
    this.#failures.set(ip, recent);
    if (this.#failures.size > PRUNE_ABOVE)
      for (const key of [...this.#failures.keys()])
        if (this.#recent(key).length === 0) this.#failures.delete(key);
    return {
      succeeded: () => {
        const failures = this.#failures.get(ip) ?? [];
        const index = failures.lastIndexOf(stamp);
        if (index >= 0) failures.splice(index, 1);
      },
    };
  }

  #recent(ip: string): number[] {
    const since = this.now() - this.policy.windowMs;
    return (this.#failures.get(ip) ?? []).filter((time) => time > since);
  }
}
