import { describe, expect, it } from 'vitest';
import { parseBasicAuthorization } from './basic-auth.js';

const encoded = (text: string) => Buffer.from(text).toString('base64');

describe('parsing Authorization: Basic', () => {
  it('splits at the first colon: the password may hold more', () => {
    expect(parseBasicAuthorization(`Basic ${encoded('alice:pa:ss word')}`)).toEqual({
      username: 'alice',
      password: 'pa:ss word',
    });
  });

  it('refuses what is not basic credentials', () => {
    for (const header of [
      undefined,
      '',
      `Bearer ${encoded('alice:x')}`,
      'Basic not-base64!',
      `Basic ${encoded('no-colon')}`,
      `Basic ${encoded(':no-user')}`,
    ])
      expect(parseBasicAuthorization(header)).toBeUndefined();
  });
});
