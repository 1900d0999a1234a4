import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { KeyedTurns } from './keyed-turns.js';

describe('KeyedTurns', () => {
  it('runs the tasks of one key one at a time, in order, whatever each one does', async () => {
    const turns = new KeyedTurns();
    const events: string[] = [];
    const task =
      (name: string, ms: number, fail = false) =>
      async () => {
        events.push(`${name} start`);
        await sleep(ms);
        events.push(`${name} end`);
        if (fail) throw new Error(name);
        return name;
      };
    const results = await Promise.allSettled([
      turns.run('a', task('a1', 30, true)),
      turns.run('a', task('a2', 1)),
      turns.run('b', task('b1', 5)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    const a = events.filter((e) => e.startsWith('a'));
    expect(a).toEqual(['a1 start', 'a1 end', 'a2 start', 'a2 end']);
    // b ran beside a1, not after it.
    expect(events.indexOf('b1 end')).toBeLessThan(events.indexOf('a1 end'));
  });
});
