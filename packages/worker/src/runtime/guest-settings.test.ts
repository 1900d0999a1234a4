import { describe, expect, it } from 'vitest';
import { guestSettings, guestSettingsFile } from './guest-settings.js';

describe('guest settings', () => {
  it("carry the workspace's name, as KEY=value lines", () => {
    const settings = guestSettings('alice');
    expect(settings).toEqual({ ROCKPOOL_WORKSPACE_NAME: 'alice' });
    expect(guestSettingsFile(settings)).toBe('ROCKPOOL_WORKSPACE_NAME=alice\n');
  });

  it('refuse a bad name', () => {
    expect(() => guestSettings('Alice')).toThrow(/invalid workspace name/);
  });
});
