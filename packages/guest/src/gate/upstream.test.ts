import { once } from 'node:events';
import { createServer } from 'node:net';
import { expect, it } from 'vitest';
import { describeUpstream, dial, parseUpstream } from './upstream.mjs';

it.each([
  ['0.0.0.0:8080', { host: '0.0.0.0', port: 8080 }],
  ['[::1]:80', { host: '::1', port: 80 }],
  ['unix:/run/code-server/sock', { socketPath: '/run/code-server/sock' }],
])('parseUpstream(%j)', (text, upstream) => expect(parseUpstream(text)).toEqual(upstream));

it.each(['8080', 'unix:', 'host:99999', 'a:b:1', ''])('parseUpstream(%j) throws, naming the input', (text) =>
  expect(() => parseUpstream(text)).toThrow(`expected host:port or unix:/path, got ${JSON.stringify(text)}`),
);

it('names what did not answer', () => {
  expect(describeUpstream({ socketPath: '/run/code-server/sock' })).toBe('/run/code-server/sock');
  expect(describeUpstream({ host: '127.0.0.1', port: 3000 })).toBe('guest port 3000');
});

it('rejects with the connection error when nothing listens', async () => {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  probe.close();
  await once(probe, 'close');
  await expect(dial({ host: '127.0.0.1', port })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
});

it('reaches a port that listens only on the IPv6 loopback through 127.0.0.1', async (context) => {
  const server = createServer((socket) => socket.end('v6'));
  server.listen(0, '::1');
  const listening = await Promise.race([
    once(server, 'listening').then(() => true),
    once(server, 'error').then(() => false),
  ]);
  if (!listening) return context.skip('this machine has no IPv6 loopback');
  const { port } = server.address() as { port: number };
  const socket = await dial({ host: '127.0.0.1', port });
  const [data] = await once(socket, 'data');
  expect(String(data)).toBe('v6');
  socket.destroy();
  server.close();
});
