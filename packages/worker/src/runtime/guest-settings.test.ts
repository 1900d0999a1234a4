import { describe, expect, it } from 'vitest';
import { guestSettings, guestSettingsFile } from './guest-settings.js';

describe('guest settings', () => {
  it("carry the workspace's name, as KEY=value lines; path mode keeps the guest's port links", () => {
    const settings = guestSettings('alice');
    expect(settings).toEqual({ ROCKPOOL_WORKSPACE_NAME: 'alice' });
    expect(guestSettingsFile(settings)).toBe('ROCKPOOL_WORKSPACE_NAME=alice\n');
    expect(guestSettings('alice', 'path')).toEqual(settings);
  });

  it("point VS Code's port links at the port's own host in subdomain mode", () => {
    expect(guestSettingsFile(guestSettings('alice', 'subdomain'))).toBe(
      'ROCKPOOL_WORKSPACE_NAME=alice\nVSCODE_PROXY_URI=//{{port}}--{{host}}/\n',
    );
  });

  it('refuse a bad name', () => {
    expect(() => guestSettings('Alice')).toThrow(/invalid workspace name/);
  });
});
