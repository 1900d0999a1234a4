import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { freeLoopbackPort } from '../loopback-port.js';
import { guestIdentity } from './tart-boot.js';

const SECRET = 'a'.repeat(43);
const servers: ReturnType<typeof createServer>[] = [];

async function serve(handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('guestIdentity: whether a guest answers as this boot', () => {
  afterAll(() => {
    for (const server of servers) server.close();
  });

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
