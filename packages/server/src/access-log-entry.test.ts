import { AccessLogQuerySchema } from '@rockpool/model';
import { describe, expect, it } from 'vitest';
import {
  MalformedAccessLogError,
  parseAccessLogLine,
  redactUri,
  workspaceOfPath,
} from './access-log-entry.js';
import { parseRequest } from './request.js';
import { accessLogFilter } from './routes/logs.js';

const parseAccessLogQuery = (query: Record<string, string>) =>
  accessLogFilter(parseRequest(AccessLogQuerySchema, query));

// Shaped like Caddy 2.10's JSON access log entry (modules/caddyhttp/server.go, marshalers.go).
const caddyLine = {
  level: 'info',
  ts: 1_767_225_600.123,
  logger: 'http.log.access.workspaces',
  msg: 'handled request',
  request: {
    remote_ip: '127.0.0.1',
    remote_port: '50000',
    client_ip: '127.0.0.1',
    proto: 'HTTP/1.1',
    method: 'GET',
    host: 'localhost:8081',
    uri: '/workspace/hello/port/3000/?q=1',
    headers: { 'User-Agent': ['curl/8.0'], Authorization: ['REDACTED'], Cookie: ['REDACTED'] },
  },
  bytes_read: 0,
  user_id: 'alice',
  duration: 0.0025,
  size: 42,
  status: 502,
  resp_headers: { 'Content-Type': ['text/html'] },
};

describe('parseAccessLogLine', () => {
  it('keeps the typed fields of an entry and nothing of its headers but the user agent', () => {
    const entry = parseAccessLogLine(JSON.stringify(caddyLine));
    expect(entry).toEqual({
      time: 1_767_225_600_123,
      server: 'workspaces',
      method: 'GET',
      host: 'localhost:8081',
      path: '/workspace/hello/port/3000/?q=1',
      status: 502,
      durationMs: 2.5,
      size: 42,
      userId: 'alice',
      remoteIp: '127.0.0.1',
      userAgent: 'curl/8.0',
      workspace: 'hello',
      adminAccess: null,
    });
    expect(JSON.stringify(entry)).not.toContain('REDACTED');
  });

  it("keeps the edge's mark of an admin's request to another user's IDE: the owner", () => {
    const line = { ...caddyLine, user_id: 'root', rockpool_admin_access: 'alice' };
    expect(parseAccessLogLine(JSON.stringify(line))).toMatchObject({ userId: 'root', adminAccess: 'alice' });
  });

  it('maps srv0 to control-plane and an empty user to null', () => {
    const entry = parseAccessLogLine(
      JSON.stringify({ ...caddyLine, logger: 'http.log.access.control-plane', user_id: '' }),
    );
    expect(entry).toMatchObject({ server: 'control-plane', userId: null, workspace: null });
  });

  it.each([
    ['not JSON', '{"ts":'],
    ['an array', '[]'],
    ['another logger', JSON.stringify({ ...caddyLine, logger: 'tls' })],
    ['no status', JSON.stringify({ ...caddyLine, status: 'x' })],
    ['no request', JSON.stringify({ ...caddyLine, request: null })],
  ])('refuses %s', (_, line) => {
    expect(() => parseAccessLogLine(line)).toThrow(MalformedAccessLogError);
  });

  it('redacts secret query parameters such as an OAuth callback code', () => {
    expect(redactUri('/auth/oauth2/github/authorization-code-callback?code=abc123&state=xyz&x=1')).toBe(
      '/auth/oauth2/github/authorization-code-callback?code=REDACTED&state=REDACTED&x=1',
    );
    expect(redactUri('/p?Token=t&a&access%5Ftoken=t2')).toBe('/p?Token=REDACTED&a&access%5Ftoken=REDACTED');
    expect(redactUri('/plain/path')).toBe('/plain/path');
    const entry = parseAccessLogLine(
      JSON.stringify({ ...caddyLine, request: { ...caddyLine.request, uri: '/x?token=secret-value' } }),
    );
    expect(entry.path).toBe('/x?token=REDACTED');
  });

  it('finds the workspace of a path', () => {
    expect(workspaceOfPath('/workspace/a-1')).toBe('a-1');
    expect(workspaceOfPath('/workspace/a-1/x')).toBe('a-1');
    expect(workspaceOfPath('/workspace/a-1?x')).toBe('a-1');
    expect(workspaceOfPath('/workspace/')).toBeNull();
    expect(workspaceOfPath('/workspaces/a')).toBeNull();
    expect(workspaceOfPath('/workspace/UPPER/')).toBeNull();
  });
});

describe('parseAccessLogQuery', () => {
  it('turns filters into a store filter', () => {
    expect(
      parseAccessLogQuery({
        server: 'workspaces',
        status: '5xx',
        user: 'alice',
        path: '/api/*',
        since: '2026-01-01T00:00:00Z',
        until: '2026-01-02T00:00:00Z',
        limit: '500',
        cursor: '42',
      }),
    ).toEqual({
      server: 'workspaces',
      status: [500, 599],
      user: 'alice',
      pathPrefix: '/api/',
      since: Date.parse('2026-01-01T00:00:00Z'),
      until: Date.parse('2026-01-02T00:00:00Z'),
      limit: 500,
      cursor: '42',
    });
    expect(parseAccessLogQuery({ status: '404', path: 'port' })).toEqual({
      limit: 100,
      status: [404, 404],
      pathContains: 'port',
    });
  });

  it.each([
    ['server', { server: 'srv0' }],
    ['status', { status: '4x' }],
    ['status', { status: '600' }],
    ['limit', { limit: '501' }],
    ['limit', { limit: '0' }],
    ['cursor', { cursor: 'abc' }],
    ['since', { since: 'yesterday' }],
    ['until', { until: '12:00' }],
    ['since', { since: '2026-01-02T00:00:00Z', until: '2026-01-01T00:00:00Z' }],
  ])('refuses a bad %s', (parameter, query) => {
    expect(() => parseAccessLogQuery(query)).toThrow(
      expect.objectContaining({ status: 400, details: { parameter } }),
    );
  });
});
