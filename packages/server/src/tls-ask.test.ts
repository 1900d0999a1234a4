import { describe, expect, it } from 'vitest';
import { useTempDatabase } from './temp-database.fixture.js';
import { decideWorkspaceCertificate, isTlsAskToken, storeLookups, type WorkspaceLookups } from './tls-ask.js';

const DOMAIN = 'ws.example.com';
const lookups: WorkspaceLookups = {
  workspaceExists: (name) => name === 'alice',
  portRegistered: (name, port) => name === 'alice' && port === 3000,
};

describe('decideWorkspaceCertificate', () => {
  it.each(['alice.ws.example.com', 'ALICE.WS.EXAMPLE.COM', '3000--alice.ws.example.com'])(
    'allows %s',
    (host) => {
      expect(decideWorkspaceCertificate(host, DOMAIN, lookups)).toEqual({ allow: true });
    },
  );

  it.each([
    ['bob.ws.example.com', 404, 'unknown_workspace'],
    ['3000--bob.ws.example.com', 404, 'unknown_workspace'],
    ['8080--alice.ws.example.com', 404, 'unregistered_port'],
    ['ws.example.com', 403, 'not_a_workspace_host'],
    ['rockpool.example.com', 403, 'not_a_workspace_host'],
    ['alice.ws.example.com.evil.test', 403, 'not_a_workspace_host'],
    ['x.alice.ws.example.com', 403, 'not_a_workspace_host'],
    ['03000--alice.ws.example.com', 403, 'not_a_workspace_host'],
    ['99999--alice.ws.example.com', 403, 'not_a_workspace_host'],
    ['10.0.0.1', 403, 'not_a_workspace_host'],
    ['', 403, 'not_a_workspace_host'],
  ])('refuses %j with %i %s', (host, status, code) => {
    expect(decideWorkspaceCertificate(host, DOMAIN, lookups)).toMatchObject({ allow: false, status, code });
  });

  it('refuses everything without a valid workspace domain, and never names a workspace', () => {
    for (const domain of [undefined, '', 'Not A Domain', '10.0.0.1'])
      expect(decideWorkspaceCertificate('alice.ws.example.com', domain, lookups)).toMatchObject({
        status: 403,
        code: 'no_workspace_domain',
      });
    const refused = decideWorkspaceCertificate('bob.ws.example.com', DOMAIN, lookups);
    expect(JSON.stringify(refused)).not.toMatch(/alice|bob/);
  });
});

describe('isTlsAskToken', () => {
  it('matches only the same non-empty token', () => {
    expect(isTlsAskToken('ab'.repeat(32), 'ab'.repeat(32))).toBe(true);
    expect(isTlsAskToken('ab'.repeat(32), 'ac'.repeat(32))).toBe(false);
    expect(isTlsAskToken('ab', 'ab'.repeat(32))).toBe(false);
    expect(isTlsAskToken('', '')).toBe(false);
  });
});

describe('storeLookups', () => {
  const temp = useTempDatabase('rockpool-tls-ask-');

  it('finds workspaces by name only and their registered ports', () => {
    const { workspaces, ports } = temp.stores;
    const alice = workspaces.insert({ name: 'alice', cpus: 1, memoryMiB: 1024, owner: 'admin' });
    ports.add(alice.id, 3000);
    const found = storeLookups(workspaces, ports);
    expect(found.workspaceExists('alice')).toBe(true);
    expect(found.workspaceExists('bob')).toBe(false);
    expect(found.workspaceExists(alice.id)).toBe(false);
    expect(found.portRegistered('alice', 3000)).toBe(true);
    expect(found.portRegistered('alice', 8080)).toBe(false);
    expect(found.portRegistered('bob', 3000)).toBe(false);
  });
});
