import type { WorkspaceAddressing } from '@rockpool/model';
import { describe, expect, it } from 'vitest';
import { CookieDomainError, sessionCookieDomain } from './cookie-domain.js';

const under = (domain: string): WorkspaceAddressing => ({ mode: 'subdomain', scheme: 'https', domain });

describe('sessionCookieDomain', () => {
  it('is host-only in path mode, where the control plane and the workspaces share a host', () => {
    expect(
      sessionCookieDomain('localhost', { mode: 'path', origin: 'http://localhost:8081' }),
    ).toBeUndefined();
  });

  it.each([
    ['rockpool.localhost', 'ws.rockpool.localhost', 'rockpool.localhost'],
    ['rockpool.localhost', 'rockpool.localhost', 'rockpool.localhost'],
    ['Rockpool.Example.com.', 'ws.rockpool.example.com', 'rockpool.example.com'],
    ['rockpool.example.com', 'ws.example.com', 'example.com'],
    ['cp.team.example.co.uk', 'ws.team.example.co.uk', 'team.example.co.uk'],
    ['example.com', 'ws.example.com', 'example.com'],
  ])('control plane %s, workspaces *.%s: Domain=%s', (host, domain, expected) => {
    expect(sessionCookieDomain(host, under(domain))).toBe(expected);
  });

  it.each([
    ['localhost', 'ws.localhost', /public suffix or a bare name/],
    ['rockpool.localhost', 'ws.localhost', /common parent localhost/],
    ['a.example.co.uk', 'ws.other.co.uk', /common parent co\.uk/],
    ['alice.github.io', 'ws.bob.github.io', /common parent github\.io/],

    ['rockpool.example.com', 'ws.example.net', /share no parent/],
    ['example.com', 'ws.other.dev', /share no parent/],
    ['127.0.0.1', 'ws.rockpool.localhost', /IP address/],
    ['cp.ws.example.com', 'ws.example.com', /under the workspace domain/],
  ])('refuses control plane %s with workspaces *.%s, saying which hosts to use', (host, domain, why) => {
    const failure = (() => {
      try {
        sessionCookieDomain(host, under(domain));
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(failure).toBeInstanceOf(CookieDomainError);
    expect((failure as CookieDomainError).code).toBe('session_cookie_domain');
    expect((failure as Error).message).toMatch(why);
    expect((failure as Error).message).toMatch(/rockpool\.localhost with ws\.rockpool\.localhost/);
  });
});
