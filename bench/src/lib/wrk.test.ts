import { describe, expect, it } from 'vitest';
import { parseWrkDuration, parseWrkOutput } from './wrk.js';

// Real output of Debian's wrk 4.1 against a server answering 404.
const WRK_OUTPUT = `Running 1s test @ http://127.0.0.1:42159/missing
  1 threads and 2 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.19ms    2.59ms  27.86ms   92.64%
    Req/Sec     5.26k     1.61k    7.39k    70.00%
  Latency Distribution
     50%  194.00us
     75%    1.30ms
     90%    3.13ms
     99%   13.28ms
  5243 requests in 1.01s, 665.62KB read
  Non-2xx or 3xx responses: 5243
Requests/sec:   5215.00
Transfer/sec:    662.06KB
`;

describe('wrk output', () => {
  it('reads durations in every unit wrk prints, in milliseconds', () => {
    expect(parseWrkDuration('194.00us')).toBeCloseTo(0.194);
    expect(parseWrkDuration('13.28ms')).toBe(13.28);
    expect(parseWrkDuration('1.02s')).toBe(1020);
    expect(() => parseWrkDuration('fast')).toThrow(/cannot parse/);
  });

  it('reads percentiles, throughput and refused answers', () => {
    expect(parseWrkOutput(WRK_OUTPUT)).toEqual({
      p50Ms: 0.194,
      p99Ms: 13.28,
      requestsPerSecond: 5215,
      requests: 5243,
      non2xx: 5243,
      socketErrors: 0,
    });
  });

  it('counts socket errors, and refuses output without a latency distribution', () => {
    const withErrors = WRK_OUTPUT.replace(
      '  Non-2xx',
      '  Socket errors: connect 1, read 2, write 0, timeout 3\n  Non-2xx',
    );
    expect(parseWrkOutput(withErrors).socketErrors).toBe(6);
    expect(() => parseWrkOutput(WRK_OUTPUT.replace(/^\s+50%.*$/m, ''))).toThrow(/no 50% latency/);
  });
});
