import type { MatcherSet, Route } from '../config/types.js';
import { jsonErrorBody } from '../edge/json-error.js';

const READ_METHODS = ['GET', 'HEAD', 'OPTIONS'];
export const STATE_CHANGING: MatcherSet = { not: [{ method: READ_METHODS }] };

/** What a browser says of a request another origin's page caused (same-site: another port or subdomain). */
const OTHER_SITE_FETCH = { 'Sec-Fetch-Site': ['same-site', 'cross-site'] };
/** An Origin that is absent or this very origin (`not` ORs its sets). */
const ORIGIN_ABSENT_OR_OWN: MatcherSet[] = [
  { vars: { '{http.request.header.Origin}': [''] } },
  { vars: { '{http.request.header.Origin}': ['{http.request.scheme}://{http.request.hostport}'] } },
];

export interface CrossOriginRefusal {
  /** The 403's message: where such requests must come from. */
  message: string;
  /** Refuse upgrades (WebSockets) too, whatever their method: an IDE's socket drives the IDE. */
  upgrades?: boolean;
}

/** srv0: the dashboard's origin. */
export const CONTROL_PLANE_REFUSAL: CrossOriginRefusal = {
  message: 'State-changing requests must come from the Rockpool dashboard origin.',
};

/** srv1 in subdomain mode: each IDE and app host. */
export const WORKSPACE_HOST_REFUSAL: CrossOriginRefusal = {
  message:
    'Requests that change state or open a WebSocket must come from a page of this very origin, not from another site or workspace.',
  upgrades: true,
};

/**
 * A page of another origin can still send credentialed requests: cookies and basic-auth
 * credentials are not port-scoped, a session cookie for the workspace domain reaches every
 * workspace host, and SameSite treats another port or subdomain as same-site. So state-changing
 * requests (and with `upgrades` WebSocket upgrades) are refused unless the browser says they come
 * from this very origin: `Sec-Fetch-Site` absent, `none` or `same-origin`, and `Origin` absent or
 * equal to the request's own. Requests without these headers (curl, the CLI) carry no ambient
 * browser credentials and pass. Top-level navigations (GET) always pass. `vars`, not CEL: see
 * MatcherSet.expression.
 */
export function crossOriginRefusalRoute(refusal: CrossOriginRefusal = CONTROL_PLANE_REFUSAL): Route {
  const upgrade = { Upgrade: [] };
  return {
    match: [
      { ...STATE_CHANGING, header: OTHER_SITE_FETCH },
      // Not a read, and an Origin that is neither absent nor this one.
      { not: [{ method: READ_METHODS }, ...ORIGIN_ABSENT_OR_OWN] },
      ...(refusal.upgrades
        ? [{ header: { ...upgrade, ...OTHER_SITE_FETCH } }, { header: upgrade, not: ORIGIN_ABSENT_OR_OWN }]
        : []),
    ],
    handle: [
      {
        handler: 'static_response',
        status_code: 403,
        headers: { 'Content-Type': ['application/json'] },
        body: jsonErrorBody('cross_origin_request', refusal.message),
      },
    ],
    terminal: true,
  };
}
