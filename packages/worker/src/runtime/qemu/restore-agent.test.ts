import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { callRestoreAgent, parseAnswer, requestWords, restoreRequest } from './restore-agent.js';

const SECRET = 's'.repeat(43);

describe('requestWords', () => {
  it('builds each request as the agent reads it', () => {
    expect(requestWords({ kind: 'ping' })).toEqual(['ping']);
    expect(requestWords({ kind: 'resume', hostNs: 1_700_000_000_000_000_000n, gateSecret: SECRET })).toEqual([
      'resume',
      '1700000000000000000',
      SECRET,
    ]);
    const random = (bytes: number) => Buffer.alloc(bytes, 0xab);
    expect(requestWords(restoreRequest('alice', SECRET, 5n, random))).toEqual([
      'restore',
      '5',
      'alice',
      'ab'.repeat(16),
      'ab'.repeat(64),
      SECRET,
    ]);
  });

  it('gives every restore its own machine-id and seed', () => {
    const [a, b] = [restoreRequest('alice', SECRET, 1n), restoreRequest('alice', SECRET, 1n)];
    if (a.kind !== 'restore' || b.kind !== 'restore') throw new Error('not a restore');
    expect(a.machineId).not.toBe(b.machineId);
    expect(a.seed.equals(b.seed)).toBe(false);
  });

  it('refuses what the agent would refuse, before anything is sent', () => {
    const resume = { kind: 'resume' as const, hostNs: 1n, gateSecret: SECRET };
    expect(() => requestWords({ ...resume, gateSecret: 'short' })).toThrow(/base64url/);
    expect(() => requestWords({ ...resume, gateSecret: `${SECRET} x` })).toThrow(/base64url/);
    expect(() => requestWords({ ...resume, hostNs: 0n })).toThrow(/after 1970/);
    const restore = restoreRequest('alice', SECRET, 1n);
    expect(() => requestWords({ ...restore, workspace: 'Alice; reboot' } as typeof restore)).toThrow();
    expect(() => requestWords({ ...restore, machineId: 'x'.repeat(32) } as typeof restore)).toThrow(
      /machine-id/,
    );
    expect(() => requestWords({ ...restore, seed: Buffer.alloc(8) } as typeof restore)).toThrow(/seed/);
  });
});

describe('parseAnswer', () => {
  it("reads this request's answer and skips others", () => {
    expect(parseAnswer('7 ok 1700000000000000000', 7)).toEqual({ guestNs: 1_700_000_000_000_000_000n });
    expect(parseAnswer('7 error usage: resume HOST_NS SECRET', 7)).toEqual({
      error: 'usage: resume HOST_NS SECRET',
    });
    expect(parseAnswer('8 ok 1', 7)).toBeUndefined();
    expect(parseAnswer('garbage', 7)).toBeUndefined();
  });
});

/*
 * callRestoreAgent against a stand-in for QEMU's end of the port (a unix socket that answers as the
 * agent does); the real agent in a real guest is proven by the VM suites.
 */
describe('callRestoreAgent', () => {
  const dirs: string[] = [];
  const servers: Server[] = [];
  afterEach(() => {
    for (const server of servers.splice(0)) server.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function agent(answer: (line: string) => string | undefined): string {
    const dir = mkdtempSync(join(tmpdir(), 'rockpool-agent-'));
    dirs.push(dir);
    const path = join(dir, 'restore.sock');
    const server = createServer((socket) => {
      socket.setEncoding('utf8');
      socket.on('data', (line: string) => {
        const reply = answer(line.trim());
        if (reply !== undefined) socket.write(reply);
      });
    });
    server.listen(path);
    servers.push(server);
    return path;
  }

  it('sends the request with the host clock and returns the guest clock and the offset', async () => {
    let seen = '';
    const path = agent((line) => {
      seen = line;
      const id = line.split(' ')[0];
      // Another request's answer first (a stale line must be skipped), then this one's.
      return `1 ok 5\n${id} ok 1000000000000\n`;
    });
    const now = () => 1_000_010;
    const result = await callRestoreAgent(
      path,
      (hostNs) => ({ kind: 'resume', hostNs, gateSecret: SECRET }),
      {
        timeoutMs: 2_000,
        now,
      },
    );
    expect(seen).toMatch(new RegExp(`^[0-9]+ resume 1000010000000 ${SECRET}$`));
    expect(result).toEqual({ guestNs: 1_000_000_000_000n, skewMs: 10 });
  });

  it("throws the agent's own words when it refuses", async () => {
    const path = agent((line) => `${line.split(' ')[0]} error usage: resume HOST_NS SECRET\n`);
    await expect(
      callRestoreAgent(path, () => ({ kind: 'ping' }), { timeoutMs: 2_000, now: Date.now }),
    ).rejects.toThrow(/refused: usage: resume HOST_NS SECRET/);
  });

  it('gives up after its timeout when nothing answers (a guest without the agent)', async () => {
    const path = agent(() => undefined);
    await expect(
      callRestoreAgent(path, () => ({ kind: 'ping' }), { timeoutMs: 200, now: Date.now }),
    ).rejects.toThrow(/no answer within 0.2 s/);
  });

  it('says when there is no socket to connect to', async () => {
    await expect(
      callRestoreAgent('/nonexistent/restore.sock', () => ({ kind: 'ping' }), {
        timeoutMs: 2_000,
        now: Date.now,
      }),
    ).rejects.toThrow(/cannot connect to \/nonexistent\/restore.sock \(ENOENT\)/);
  });

  it('refuses a bad request without sending it', async () => {
    let sent = false;
    const path = agent(() => {
      sent = true;
      return undefined;
    });
    await expect(
      callRestoreAgent(path, (hostNs) => ({ kind: 'resume', hostNs, gateSecret: 'short' }), {
        timeoutMs: 2_000,
        now: Date.now,
      }),
    ).rejects.toThrow(/base64url/);
    expect(sent).toBe(false);
  });
});
