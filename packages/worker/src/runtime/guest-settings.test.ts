import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { checkWorkspacesOrigin, guestSettings, guestSettingsFile } from './guest-settings.js';

describe('guest settings', () => {
  it("point VS Code's port links at the workspace's forwarded-port URLs", () => {
    const settings = guestSettings('alice', 'https://ws.example.com:8081');
    expect(settings).toEqual({
      ROCKPOOL_WORKSPACE_NAME: 'alice',
      VSCODE_PROXY_URI: 'https://ws.example.com:8081/workspace/alice/port/{{port}}/',
    });
    expect(guestSettingsFile(settings)).toBe(
      'ROCKPOOL_WORKSPACE_NAME=alice\nVSCODE_PROXY_URI=https://ws.example.com:8081/workspace/alice/port/{{port}}/\n',
    );
    expect(guestSettings('alice', undefined)).toEqual({ ROCKPOOL_WORKSPACE_NAME: 'alice' });
  });

  it('refuse an origin with a path, a bad scheme or no host, and a bad name', () => {
    for (const origin of [
      'https://ws.example.com/x',
      'ftp://ws.example.com',
      'ws.example.com',
      'https://a b',
    ])
      expect(() => checkWorkspacesOrigin(origin)).toThrow(/scheme and a host/);
    expect(() => checkWorkspacesOrigin(undefined)).not.toThrow();
    expect(() => guestSettings('Alice', 'https://ws.example.com')).toThrow();
  });

  it("pass the guest's own check (scripts/guest/rockpool-settings' URL rule)", () => {
    const script = new URL('../../../../scripts/guest/rockpool-settings', import.meta.url).pathname;
    const source = execFileSync('sed', ['-n', "s/.*grep -Eqx '\\(https[^']*\\)'.*/\\1/p", script], {
      encoding: 'utf8',
    }).trim();
    expect(source).not.toBe('');
    const origins = [
      'https://ws.example.com:8081',
      'https://ws.rockpool.localhost:8443',
      'http://127.0.0.1:8081',
      'http://[::1]:8081',
    ];
    for (const origin of origins) {
      const uri = guestSettings('a-b1', origin).VSCODE_PROXY_URI as string;
      expect(execFileSync('grep', ['-Ecx', source], { input: uri, encoding: 'utf8' }).trim()).toBe('1');
    }
  });
});
