import { describe, expect, it } from 'vitest';
import {
  formatAddressing,
  ideHost,
  ideUrl,
  isWorkspaceUrl,
  parseAddressing,
  parseWorkspaceHost,
  portHost,
  portUrl,
  type WorkspaceAddressing,
  workspaceDomainProblem,
} from './addressing.js';
import { MAX_WORKSPACE_NAME_LENGTH } from './names.js';

const DOMAIN = 'ws.rockpool.localhost';
const path: WorkspaceAddressing = { mode: 'path', origin: 'https://rockpool.example.com:8081' };
const subdomain: WorkspaceAddressing = { mode: 'subdomain', scheme: 'https', domain: 'ws.example.com' };

describe('links', () => {
  it('puts IDEs and ports under one origin in path mode', () => {
    expect(ideUrl(path, 'alice')).toBe('https://rockpool.example.com:8081/workspace/alice/');
    expect(portUrl(path, 'alice', 3000)).toBe('https://rockpool.example.com:8081/workspace/alice/port/3000/');
  });

  it('gives each IDE and port a host of its own in subdomain mode', () => {
    expect(ideUrl(subdomain, 'alice')).toBe('https://alice.ws.example.com/');
    expect(portUrl(subdomain, 'alice', 3000)).toBe('https://3000--alice.ws.example.com/');
  });

  it("keeps the edge's port unless it is the scheme's default", () => {
    const local: WorkspaceAddressing = { mode: 'subdomain', scheme: 'http', domain: DOMAIN, port: 8081 };
    expect(ideUrl(local, 'alice')).toBe('http://alice.ws.rockpool.localhost:8081/');
    expect(ideUrl({ ...local, port: 80 }, 'alice')).toBe('http://alice.ws.rockpool.localhost/');
    expect(ideUrl({ ...subdomain, port: 443 }, 'alice')).toBe('https://alice.ws.example.com/');
  });

  it('refuses names, ports and domains that would make a wrong link', () => {
    expect(() => ideUrl(path, '../api')).toThrow(/invalid workspace name/);
    expect(() => portUrl(subdomain, 'alice', 0)).toThrow(/invalid port/);
    expect(() => ideHost('alice', 'Example.COM')).toThrow(/invalid workspace domain/);
    expect(() => ideHost('alice', 'a..b')).toThrow(/invalid workspace domain/);
  });
});

describe('workspaceDomainProblem', () => {
  it.each(['localhost', DOMAIN, 'ws.example.com', 'a-b.c'])('accepts %s', (domain) =>
    expect(workspaceDomainProblem(domain)).toBeUndefined(),
  );
  it.each([
    ['', 'required'],
    ['.example.com', 'not a lowercase DNS name'],
    ['example.com.', 'not a lowercase DNS name'],
    ['*.example.com', 'not a lowercase DNS name'],
    ['127.0.0.1', 'not an IP address'],
  ])('rejects %j (%s)', (domain, why) => expect(workspaceDomainProblem(domain)).toContain(why));
});

describe('parseWorkspaceHost', () => {
  it('reads an IDE host and a port host, in any case', () => {
    expect(parseWorkspaceHost(`alice.${DOMAIN}`, DOMAIN)).toEqual({ name: 'alice' });
    expect(parseWorkspaceHost(`3000--Alice.WS.rockpool.localhost`, DOMAIN)).toEqual({
      name: 'alice',
      port: 3000,
    });
  });

  it.each([
    ['another domain', 'alice.example.com'],
    ['the domain itself', DOMAIN],
    ['a deeper name', `x.alice.${DOMAIN}`],
    ['a suffix without the dot', `alicews.rockpool.localhost`],
    ['a port with a leading zero', `03000--alice.${DOMAIN}`],
    ['a port out of range', `70000--alice.${DOMAIN}`],
    ['port 0', `0--alice.${DOMAIN}`],
    ['no name after the port', `3000--.${DOMAIN}`],
    ['a name that is not one', `3000---alice.${DOMAIN}`],
    ['letters for a port', `abc--alice.${DOMAIN}`],
  ])('names nothing for %s', (_why, host) => expect(parseWorkspaceHost(host, DOMAIN)).toBeUndefined());

  it('gives every workspace and port one host, and reads each host back as what made it', () => {
    // Every name of up to 3 characters over a small alphabet (hyphens included) and the longest
    // allowed, each with ports at the edges of the range: no two objects share a host.
    const alphabet = ['a', '0', '9', '-'];
    const names = new Set<string>(['a'.repeat(MAX_WORKSPACE_NAME_LENGTH), `${'9'.repeat(54)}-z`]);
    const grow = (prefix: string, left: number): void => {
      if (prefix) names.add(prefix);
      if (left > 0) for (const c of alphabet) grow(prefix + c, left - 1);
    };
    grow('', 3);
    const ports = [1, 9, 10, 3000, 65535];
    const owners = new Map<string, string>();
    let made = 0;
    for (const name of names) {
      let ide: string;
      try {
        ide = ideHost(name, DOMAIN);
      } catch {
        continue; // not a workspace name (leading, trailing or double hyphen)
      }
      const hosts: [string, string][] = [
        [ide, name],
        ...ports.map((p) => [portHost(name, p, DOMAIN), `${name}:${p}`] as [string, string]),
      ];
      for (const [host, what] of hosts) {
        expect(owners.get(host), `${host} made for both ${owners.get(host)} and ${what}`).toBeUndefined();
        owners.set(host, what);
        const label = host.slice(0, -DOMAIN.length - 1);
        expect(label.length).toBeLessThanOrEqual(63);
        const back = parseWorkspaceHost(host, DOMAIN);
        expect(back && ('port' in back ? `${back.name}:${back.port}` : back.name)).toBe(what);
        made++;
      }
    }
    expect(made).toBeGreaterThanOrEqual(300);
  });
});

describe('formatAddressing and parseAddressing', () => {
  it('write path mode as its origin and subdomain mode as a wildcard origin, and read both back', () => {
    const local: WorkspaceAddressing = { mode: 'subdomain', scheme: 'http', domain: DOMAIN, port: 8081 };
    expect(formatAddressing(path)).toBe('https://rockpool.example.com:8081');
    expect(formatAddressing(local)).toBe('http://*.ws.rockpool.localhost:8081');
    expect(formatAddressing(subdomain)).toBe('https://*.ws.example.com');
    for (const addressing of [path, local, subdomain])
      expect(parseAddressing(formatAddressing(addressing))).toEqual(addressing);
  });

  it('reads nothing else', () => {
    for (const text of [
      '',
      'localhost:8081',
      'https://rockpool.example.com/',
      'https://rockpool.example.com/workspace',
      'ftp://rockpool.example.com',
      'https://*.Example.com',
      'https://*.*.example.com',
      'https://*.127.0.0.1',
      'https://*.example.com:0',
      'https://*.example.com:70000',
      'https://*.example.com/',
    ])
      expect(parseAddressing(text), text).toBeUndefined();
  });
});

describe('isWorkspaceUrl', () => {
  const local: WorkspaceAddressing = { mode: 'subdomain', scheme: 'http', domain: DOMAIN, port: 8081 };

  it('takes any page of the one origin in path mode, and nothing on another origin', () => {
    expect(isWorkspaceUrl(path, 'https://rockpool.example.com:8081/workspace/alice/?folder=/x')).toBe(true);
    expect(isWorkspaceUrl(path, 'https://rockpool.example.com:8082/workspace/alice/')).toBe(false);
    expect(isWorkspaceUrl(path, 'https://alice.rockpool.example.com:8081/')).toBe(false);
  });

  it("takes an IDE's or a port's host under the domain, with the scheme and the port", () => {
    expect(isWorkspaceUrl(local, 'http://alice.ws.rockpool.localhost:8081/src/?a=1')).toBe(true);
    expect(isWorkspaceUrl(local, 'http://3000--alice.ws.rockpool.localhost:8081/')).toBe(true);
    expect(isWorkspaceUrl(subdomain, 'https://alice.ws.example.com/')).toBe(true);
    expect(isWorkspaceUrl(subdomain, 'https://alice.ws.example.com:443/')).toBe(true);
  });

  it('refuses every other host, scheme, port and shape', () => {
    for (const url of [
      'http://alice.ws.rockpool.localhost/',
      'http://alice.ws.rockpool.localhost:8080/',
      'https://alice.ws.rockpool.localhost:8081/',
      'http://ws.rockpool.localhost:8081/',
      'http://a.b.ws.rockpool.localhost:8081/',
      'http://alice.ws.rockpool.localhost.evil.com:8081/',
      'http://evil.com:8081/?alice.ws.rockpool.localhost',
      'http://user@alice.ws.rockpool.localhost:8081/',
      'http://0300--alice.ws.rockpool.localhost:8081/',
      'javascript:alert(1)',
      '//alice.ws.rockpool.localhost:8081/',
      'not a url',
    ])
      expect(isWorkspaceUrl(local, url), url).toBe(false);
  });
});
