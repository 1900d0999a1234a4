import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { freeLoopbackPort } from '../loopback-port.js';
import { RuntimeError } from '../vm-runtime.js';
import { guestIdentity, untilThisBoot } from './tart-boot.js';

const SECRET = 'a'.repeat(43);
const servers: ReturnType<typeof createServer>[] = [];

async function serve(handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterAll(() => {
  for (const server of servers) server.close();
});

describe('guestIdentity: whether a guest answers as this boot', () => {
  it('this boot: a gate that refuses a wrong secret and takes ours (even before code-server is up)', async () => {
    const gate = (upstream: number) =>
      serve((req, res) => res.writeHead(req.headers['x-rockpool-gate'] === SECRET ? upstream : 403).end());
    expect(await guestIdentity(await gate(200), SECRET, 2_000)).toBe('this-boot');
    expect(await guestIdentity(await gate(502), SECRET, 2_000)).toBe('this-boot');
  });

  it('not this boot: another workspace’s gate, a gate with no secret, a server that is no gate', async () => {
    expect(await guestIdentity(await serve((_req, res) => res.writeHead(403).end()), SECRET, 2_000)).toBe(
      'not-this-boot',
    );
    const noSecret = await serve((req, res) =>
      res.writeHead(req.headers['x-rockpool-gate'] ? 503 : 403).end(),
    );
    expect(await guestIdentity(noSecret, SECRET, 2_000)).toBe('not-this-boot');
    expect(await guestIdentity(await serve((_req, res) => res.writeHead(200).end()), SECRET, 2_000)).toBe(
      'not-this-boot',
    );
  });

  it('no answer: nothing listens, or it never answers', async () => {
    expect(await guestIdentity(`127.0.0.1:${await freeLoopbackPort()}`, SECRET, 2_000)).toBe('no-answer');
    expect(await guestIdentity(await serve(() => undefined), SECRET, 300)).toBe('no-answer');
  });
});

describe('untilThisBoot', () => {
  const wait = (address: string, overrides: { exited?: () => boolean; timeoutMs?: number } = {}) => {
    const colon = address.lastIndexOf(':');
    return untilThisBoot({
      vm: 'rockpool-t-ws-a',
      ip: async () => address.slice(0, colon),
      exited: overrides.exited ?? (() => false),
      whyExited: async () => new RuntimeError('vm_start_failed', 'tart run exited: the log'),
      logTail: async () => 'the log',
      secret: SECRET,
      gatePort: Number(address.slice(colon + 1)),
      timeoutMs: overrides.timeoutMs ?? 5_000,
    });
  };

  it("says so when only a stale lease's address answers, and not as this boot", async () => {
    const other = await serve((_req, res) => res.writeHead(403).end());
    await expect(wait(other, { timeoutMs: 500 })).rejects.toThrow(
      new RegExp(`did not answer as this boot within 0.5 s \\(last: ${other} answers, but not as this boot`),
    );
  });

  it('fails at once when tart run exits, with why', async () => {
    await expect(wait(`127.0.0.1:${await freeLoopbackPort()}`, { exited: () => true })).rejects.toThrow(
      'tart run exited: the log',
    );
  });

  it("returns this boot's gate", async () => {
    const gate = await serve((req, res) =>
      res.writeHead(req.headers['x-rockpool-gate'] === SECRET ? 200 : 403).end(),
    );
    expect(await wait(gate)).toEqual({ address: gate, secret: SECRET });
  });
});
