import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from './database.js';
import { UserStore } from './users.js';

const hash = '$2a$10$abcdefghijklmnopqrstuuNi8D1yq6jOkg5xBF5lIqcG6pfKyjOfG';
let db: Db;
let users: UserStore;
beforeEach(() => {
  db = openDatabase(':memory:');
  users = new UserStore(db, () => Date.UTC(2026, 10, 30));
});
afterEach(() => db.close());

describe('UserStore on SQLite', () => {
  it('adds the first admin only into an empty table', () => {
    expect(users.addFirstAdmin({ name: 'admin', passwordHash: hash })).toBe(true);
    expect(users.addFirstAdmin({ name: 'other', passwordHash: hash })).toBe(false);
    expect(users.list()).toEqual([
      { name: 'admin', role: 'admin', passwordHash: hash, createdAt: '2026-11-30T00:00:00.000Z' },
    ]);
  });

  it('adds, finds, changes and removes users; a name is taken once', () => {
    users.add({ name: 'root', role: 'admin', passwordHash: hash });
    expect(users.add({ name: 'alice', role: 'member', passwordHash: hash })).toMatchObject({ name: 'alice' });
    expect(users.add({ name: 'alice', role: 'admin', passwordHash: hash })).toBe('exists');
    expect(users.setPassword('alice', `${hash.slice(0, -1)}H`)).toBe(true);
    expect(users.find('alice')?.passwordHash).toMatch(/H$/);
    expect(users.setPassword('ghost', hash)).toBe('missing');
    expect(users.setRole('alice', 'admin')).toBe(true);
    expect(users.remove('alice')).toBe(true);
    expect(users.remove('alice')).toBe('missing');
    expect(users.find('alice')).toBeUndefined();
  });

  it('keeps the last admin: not removed, not demoted', () => {
    users.add({ name: 'root', role: 'admin', passwordHash: hash });
    users.add({ name: 'bob', role: 'member', passwordHash: hash });
    expect(users.remove('root')).toBe('last_admin');
    expect(users.setRole('root', 'member')).toBe('last_admin');
    expect(users.setRole('bob', 'admin')).toBe(true);
    expect(users.setRole('root', 'member')).toBe(true);
    expect(users.remove('bob')).toBe('last_admin');
    expect(users.remove('root')).toBe(true);
  });
});
