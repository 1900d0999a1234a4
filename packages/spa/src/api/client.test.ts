import { describe, expect, it } from 'vitest';
import { ApiError, describeError } from './client.js';

describe('describeError', () => {
  it.each([
    [new ApiError(401, 'unauthorized', 'x'), /sign-in has expired.*Reload/],
    [new ApiError(429, 'rate_limited', 'x', 17), /Try again in 17 seconds/],
    [new ApiError(409, 'invalid_state', 'Cannot stop a workspace that is stopping.'), /Cannot stop/],
    [new ApiError(0, 'network', 'Cannot reach Rockpool.'), /Cannot reach/],
    [new Error('boom'), /Something went wrong/],
  ])('%s', (error, expected) => expect(describeError(error)).toMatch(expected));
});
