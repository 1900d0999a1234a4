import { describe, expect, it } from 'vitest';
import { ADMINS_SETTING, booleanSetting, listSetting, PUBLIC_PORTS_SETTING } from './edge-settings.js';

describe('booleanSetting', () => {
  it('is off unless set, and reads the usual spellings', () => {
    expect(booleanSetting({}, PUBLIC_PORTS_SETTING)).toBe(false);
    expect(booleanSetting({ [PUBLIC_PORTS_SETTING]: '' }, PUBLIC_PORTS_SETTING)).toBe(false);
    for (const on of ['true', '1', 'On', 'yes']) expect(booleanSetting({ X: on }, 'X')).toBe(true);
    for (const off of ['false', '0', 'OFF', 'no']) expect(booleanSetting({ X: off }, 'X')).toBe(false);
  });

  it('names the setting it cannot read', () => {
    expect(() => booleanSetting({ [PUBLIC_PORTS_SETTING]: 'maybe' }, PUBLIC_PORTS_SETTING)).toThrow(
      'ROCKPOOL_PUBLIC_PORTS must be true or false (got "maybe")',
    );
  });
});

describe('listSetting', () => {
  it('reads comma-separated items, trimmed, without empty ones', () => {
    expect(listSetting({ [ADMINS_SETTING]: ' alice, github.com/bob ,,' }, ADMINS_SETTING)).toEqual([
      'alice',
      'github.com/bob',
    ]);
    expect(listSetting({}, ADMINS_SETTING)).toEqual([]);
  });
});
