import { setTimeout as sleep } from 'node:timers/promises';
import type { CaddyConfig } from '../config/types.js';
import { CaddyAdminError, CaddyConflictError, CaddyUnreachableError } from './errors.js';
import { type AdminRequest, type AdminResponse, type AdminTransport, httpTransport } from './transport.js';

export interface Versioned<T> {
  value: T;
  /** Caddy's ETag, e.g. `"/config/apps/http f88568c8"`: the config path it covers and a hash of it. */
  etag: string;
  /** The `/config/...` path the ETag covers (ids are expanded to it). */
  configPath: string;
}

export interface CaddyAdminClientOptions {
  /** `unix//path/admin.sock` or a loopback `host:port`. */
  endpoint: string;
  transport?: AdminTransport;
  /** Attempts of a guarded read-modify-write before giving up on repeated 412s. Default 20. */
  maxAttempts?: number;
}

/** Returned by an {@link CaddyAdminClient.update} callback to leave the config as it is. */
export const UNCHANGED: unique symbol = Symbol('unchanged');

/**
 * A thin client for Caddy's admin API. Id-based writes are single atomic operations inside Caddy;
 * read-modify-write goes through {@link update}, which sends `If-Match` and retries on 412.
 */
export class CaddyAdminClient {
  readonly endpoint: string;
  readonly #transport: AdminTransport;
  readonly #maxAttempts: number;

  constructor(options: CaddyAdminClientOptions) {
    this.endpoint = options.endpoint;
    this.#transport = options.transport ?? httpTransport(options.endpoint);
    this.#maxAttempts = options.maxAttempts ?? 20;
  }

  /**
   * Replaces the whole configuration. Use it to bootstrap; never to change one route.
   * The admin endpoint is pinned to this client's: Caddy moves its admin API to the default
   * `localhost:2019` when a config has no `admin` block, even when that config then fails to load.
   */
  async load(config: CaddyConfig): Promise<void> {
    const listen = config.admin?.listen ?? this.endpoint;
    if (listen !== this.endpoint)
      throw new RangeError(
        `refusing to move Caddy's admin API from ${this.endpoint} to ${listen} through /load`,
      );
    const pinned: CaddyConfig = { ...config, admin: { ...config.admin, listen, config: { persist: false } } };
    await this.#send({ method: 'POST', path: '/load', body: JSON.stringify(pinned) });
  }

  /** `path` is relative to `/config/`, e.g. `apps/http/servers/srv1`; '' is the whole config. */
  async getConfig<T>(path = ''): Promise<Versioned<T>> {
    return this.#getVersioned<T>(configUrl(path));
  }

  /** The object with this `@id`, or undefined if there is none. */
  async getById<T>(id: string): Promise<Versioned<T> | undefined> {
    try {
      return await this.#getVersioned<T>(idUrl(id));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Appends `value` to the array at `/id/{id}/{arrayPath}`. */
  async appendById(id: string, arrayPath: string, value: unknown): Promise<void> {
    await this.#send({ method: 'POST', path: `${idUrl(id)}/${arrayPath}`, body: JSON.stringify(value) });
  }

  /** Removes the object with this `@id`; false if there was none (removing twice is not an error). */
  async removeById(id: string): Promise<boolean> {
    try {
      await this.#send({ method: 'DELETE', path: idUrl(id) });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /**
   * Read-modify-write guarded by `If-Match`: reads the value at `target` (an `@id` via `{ id }` or a
   * config path via `{ path }`), applies `change`, and writes the result only if nothing changed in
   * between; on 412 it reads again and re-applies `change`. `change` must be pure.
   */
  async update<T>(
    target: { id: string } | { path: string },
    change: (current: T) => T | typeof UNCHANGED,
  ): Promise<{ value: T; changed: boolean; attempts: number }> {
    for (let attempt = 1; attempt <= this.#maxAttempts; attempt++) {
      const current =
        'id' in target ? await this.getById<T>(target.id) : await this.getConfig<T>(target.path);
      if (!current) throw new CaddyAdminError(404, 'GET', describe(target), 'unknown object ID');
      const next = change(current.value);
      if (next === UNCHANGED) return { value: current.value, changed: false, attempts: attempt };
      try {
        await this.#send({
          method: 'PATCH',
          path: current.configPath,
          headers: { 'If-Match': current.etag },
          body: JSON.stringify(next),
        });
        return { value: next, changed: true, attempts: attempt };
      } catch (error) {
        if (error instanceof CaddyAdminError && error.status === 412) continue;
        throw error;
      }
    }
    throw new CaddyConflictError(describe(target), this.#maxAttempts);
  }

  /** Asks Caddy to exit. */
  async stop(): Promise<void> {
    await this.#send({ method: 'POST', path: '/stop' });
  }

  async #getVersioned<T>(url: string): Promise<Versioned<T>> {
    const res = await this.#send({ method: 'GET', path: url });
    const etag = res.headers.etag;
    if (!etag) throw new CaddyAdminError(res.status, 'GET', url, 'no ETag header (Caddy >= 2.8 sends one)');
    return { value: JSON.parse(res.body) as T, etag, configPath: etagPath(etag) };
  }

  /**
   * Caddy replaces its admin server on every config change; a connection accepted by the retiring
   * one in that moment is closed unanswered (reset, hang-up). Such a request never reached a
   * handler, so it is sent again. Every write here is idempotent or guarded by If-Match anyway.
   */
  async #send(req: AdminRequest): Promise<AdminResponse> {
    let res: AdminResponse | undefined;
    for (let attempt = 1; !res; attempt++) {
      try {
        res = await this.#transport(req);
      } catch (cause) {
        if (attempt >= CONNECTION_ATTEMPTS || !isConnectionDropped(cause))
          throw new CaddyUnreachableError(this.endpoint, { cause });
        await sleep(10 * 2 ** attempt);
      }
    }
    if (res.status >= 400)
      throw new CaddyAdminError(res.status, req.method, req.path, caddyMessage(res.body));
    return res;
  }
}

const CONNECTION_ATTEMPTS = 6;

function isConnectionDropped(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException)?.code;
  return code === 'ECONNRESET' || code === 'EPIPE' || (error as Error)?.message === 'socket hang up';
}

function describe(target: { id: string } | { path: string }): string {
  return 'id' in target ? idUrl(target.id) : configUrl(target.path);
}

function configUrl(path: string): string {
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  return trimmed ? `/config/${trimmed}` : '/config/';
}

function idUrl(id: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(id)) throw new RangeError(`invalid Caddy @id ${JSON.stringify(id)}`);
  return `/id/${id}`;
}

/** `"/config/apps/http 1a2b"` -> `/config/apps/http`. */
function etagPath(etag: string): string {
  const match = /^"(\S+) [0-9a-f]+"$/.exec(etag);
  if (!match?.[1]) throw new RangeError(`unexpected Caddy ETag ${etag}`);
  return match[1];
}

function caddyMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
  } catch {
    // Not JSON: Caddy's message is the body itself.
  }
  return body.trim() || '(empty response)';
}

function isNotFound(error: unknown): boolean {
  return error instanceof CaddyAdminError && error.status === 404;
}
