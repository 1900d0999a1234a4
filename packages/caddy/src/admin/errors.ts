/** Caddy's admin API answered with an error; `message` is Caddy's own. */
export class CaddyAdminError extends Error {
  readonly code = 'caddy_admin_error';
  constructor(
    readonly status: number,
    readonly method: string,
    readonly path: string,
    readonly caddyMessage: string,
  ) {
    super(`Caddy admin ${method} ${path} answered ${status}: ${caddyMessage}`);
    this.name = 'CaddyAdminError';
  }
}

/** The admin endpoint could not be reached at all (Caddy not running, wrong socket path). */
export class CaddyUnreachableError extends Error {
  readonly code = 'caddy_unreachable';
  constructor(
    readonly endpoint: string,
    options: { cause: unknown },
  ) {
    super(
      `Caddy's admin API at ${endpoint} is unreachable: ${(options.cause as Error)?.message ?? options.cause}`,
      options,
    );
    this.name = 'CaddyUnreachableError';
  }
}

/** A guarded write kept losing the race (412) after every retry. */
export class CaddyConflictError extends Error {
  readonly code = 'caddy_conflict';
  constructor(
    readonly path: string,
    readonly attempts: number,
  ) {
    super(`Caddy config at ${path} kept changing under us: gave up after ${attempts} attempts`);
    this.name = 'CaddyConflictError';
  }
}
