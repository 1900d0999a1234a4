import { describe, expect, it } from 'vitest';
import { readWorkspaceUrl } from './settings.js';

describe('readWorkspaceUrl', () => {
  it('takes the origin rockpool up gives, with a default', () => {
    expect(readWorkspaceUrl({ ROCKPOOL_WORKSPACE_URL: 'https://rockpool.example.com:8443' })).toBe(
      'https://rockpool.example.com:8443',
    );
    expect(readWorkspaceUrl({})).toBe('http://localhost:8081');
  });

  it.each(['localhost:8081', 'https://rockpool.example.com/', 'ftp://x', 'http://x:8081/ws'])(
    'refuses %s, which is not an origin',
    (value) => {
      expect(() => readWorkspaceUrl({ ROCKPOOL_WORKSPACE_URL: value })).toThrow(
        /ROCKPOOL_WORKSPACE_URL must be an origin/,
      );
    },
  );
});
