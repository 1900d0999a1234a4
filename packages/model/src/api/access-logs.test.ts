import { describe, expect, it } from 'vitest';
import { AccessLogQuerySchema } from './access-logs.js';
import { requestProblem } from './request-fields.js';

describe('AccessLogQuerySchema', () => {
  it('turns the query into ranges and times, and leaves out empty filters', () => {
    expect(
      AccessLogQuerySchema.parse({ status: '5xx', since: '2026-01-01T00:00:00Z', server: '', user: 'alice' }),
    ).toEqual({
      limit: 100,
      status: [500, 599],
      since: Date.parse('2026-01-01T00:00:00Z'),
      user: 'alice',
    });
  });

  it.each([
    [{ limit: '501', status: 'teapot' }, 'limit', 'limit: must be an integer from 1 to 500.'],
    [{ status: 'teapot' }, 'status', 'status: must be a status such as 404 or a class such as 5xx.'],
    [{ until: '12:00' }, 'until', 'until: "12:00" is not an ISO time such as 2026-01-31T12:00:00Z.'],
    [{ since: '2026-01-02', until: '2026-01-01' }, 'since', 'since: must not be after until.'],
  ])('refuses %j naming %s', (query, parameter, message) => {
    const result = AccessLogQuerySchema.safeParse(query);
    expect(result.success).toBe(false);
    expect(requestProblem(result.error?.issues ?? [])).toEqual({
      code: 'invalid_filter',
      message,
      details: { parameter },
    });
  });
});
