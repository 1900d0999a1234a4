import type { CaddyDuration, MatcherSet, RateLimitHandler, RateLimitZone } from '../config/types.js';

export interface RateLimitWindow {
  window: CaddyDuration;
  maxEvents: number;
}

/**
 * Rate-limit zones, each a list of windows that all apply. See the README ("Rate limits") for why
 * each default is what it is.
 */
export interface RateLimitPolicy {
  /** Per identity: state-changing API requests (POST, PUT, PATCH, DELETE under /api/). */
  apiWrite: RateLimitWindow[];
  /** Per identity: API reads and dashboard assets. */
  apiRead: RateLimitWindow[];
  /** Per identity: everything on the workspace server (IDE, assets, WebSockets, forwarded ports). */
  workspace: RateLimitWindow[];
  /** Per client IP, before authentication, on the control-plane server: bounds password guessing. */
  clientIpControlPlane: RateLimitWindow[];
  /** Per client IP, before authentication, on the workspace server. */
  clientIpWorkspaces: RateLimitWindow[];
  /** Per client IP: the unauthenticated health endpoint. */
  health: RateLimitWindow[];
}

export const DEFAULT_RATE_LIMITS = {
  apiWrite: [
    { window: '1m', maxEvents: 10 },
    { window: '1h', maxEvents: 100 },
    { window: '24h', maxEvents: 300 },
  ],
  apiRead: [{ window: '1m', maxEvents: 600 }],
  workspace: [{ window: '1m', maxEvents: 6000 }],
  clientIpControlPlane: [
    { window: '1m', maxEvents: 900 },
    { window: '1h', maxEvents: 20000 },
  ],
  clientIpWorkspaces: [
    { window: '1m', maxEvents: 9000 },
    { window: '1h', maxEvents: 200000 },
  ],
  health: [{ window: '1m', maxEvents: 120 }],
} as const satisfies RateLimitPolicy;

export function resolveRateLimits(overrides: Partial<RateLimitPolicy> = {}): RateLimitPolicy {
  const policy: RateLimitPolicy = { ...structuredClone(DEFAULT_RATE_LIMITS), ...overrides };
  for (const [zone, windows] of Object.entries(policy)) {
    for (const { window, maxEvents } of windows as RateLimitWindow[]) {
      if (!Number.isInteger(maxEvents) || maxEvents < 1)
        throw new RangeError(`rate limit ${zone}: max events must be a positive integer (got ${maxEvents})`);
      if (!isPositiveDuration(window))
        throw new RangeError(
          `rate limit ${zone}: window must be a positive duration like "1m" (got ${window})`,
        );
    }
  }
  return policy;
}

const DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h|d))+$/;

function isPositiveDuration(value: CaddyDuration): boolean {
  if (typeof value === 'number') return value > 0;
  return DURATION.test(value) && !/^(0+(\.0+)?[a-zµ]+)+$/.test(value);
}

/** The placeholder Caddy fills with the authenticated user (caddy-security's session check; basic auth ends there too). */
export const IDENTITY_KEY = '{http.auth.user.id}';
/** The client's address: the peer, or what a trusted proxy (`trusted_proxies`) says it forwards for. */
export const CLIENT_IP_KEY = '{http.vars.client_ip}';

/**
 * One handler with a zone per window. Zone names are global inside Caddy (same name, same counters),
 * so each gets the `rockpool-` prefix, the zone's name and its window.
 */
export function buildRateLimitHandler(
  zone: string,
  windows: readonly RateLimitWindow[],
  key: string,
  match?: MatcherSet[],
): RateLimitHandler {
  const rate_limits: Record<string, RateLimitZone> = {};
  for (const { window, maxEvents } of windows) {
    rate_limits[`rockpool-${zone}-${window}`] = {
      ...(match ? { match } : {}),
      key,
      window,
      max_events: maxEvents,
    };
  }
  return { handler: 'rate_limit', rate_limits };
}
