import { expect, it } from 'vitest';
import { forwardedHeaders, headerValues, parsePort } from './headers.mjs';

const request = [
  'Host',
  'alice.ws.example',
  'X-Rockpool-Gate',
  'secret',
  'x-rockpool-port',
  '3000',
  'Connection',
  'keep-alive, X-Hop',
  'X-Hop',
  'dropped',
  'Keep-Alive',
  'timeout=5',
  'Transfer-Encoding',
  'chunked',
  'X-Forwarded-For',
  '203.0.113.7',
  'Upgrade',
  'websocket',
];

it('forwards everything but the gate headers and the hop-by-hop ones, in order and case', () => {
  expect(forwardedHeaders(request)).toEqual(['Host', 'alice.ws.example', 'X-Forwarded-For', '203.0.113.7']);
});

it('keeps Connection and Upgrade for an upgrade (they are the request), never the gate headers', () => {
  const kept = forwardedHeaders(request, true);
  expect(kept).toEqual(expect.arrayContaining(['Connection', 'keep-alive, X-Hop', 'Upgrade', 'websocket']));
  expect(kept.map((name) => name.toLowerCase())).not.toContain('x-rockpool-gate');
  expect(kept.map((name) => name.toLowerCase())).not.toContain('x-rockpool-port');
});

it('finds every value of a header whatever its case', () => {
  expect(headerValues(['X-A', '1', 'x-a', '2', 'X-B', '3'], 'x-a')).toEqual(['1', '2']);
});

it.each([
  ['8080', 8080],
  ['1', 1],
  ['65535', 65535],
  ['0', undefined],
  ['65536', undefined],
  ['08080', undefined],
  [' 80', undefined],
  ['1e3', undefined],
  ['', undefined],
])('parsePort(%j) is %j', (text, port) => expect(parsePort(text)).toBe(port));
