import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { isAlive, signal, waitForExit } from './host-process.js';

describe('isAlive and waitForExit', () => {
  it.skipIf(process.platform !== 'linux')(
    'count a killed process that its parent has not reaped yet as exited',
    async () => {
      // The shell starts a sleeper in the background, prints its PID, and becomes a `sleep` that
      // never reaps it: once killed, the sleeper stays a zombie until its parent ends.
      const parent = spawn('/bin/sh', ['-c', 'sleep 30 & echo $!; exec sleep 30'], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      try {
        const [line] = (await once(parent.stdout, 'data')) as [Buffer];
        const pid = Number(line.toString().trim());
        // Only once the shell became `sleep` may the sleeper die: the shell itself might reap it.
        while (!readFileSync(`/proc/${parent.pid}/cmdline`, 'utf8').startsWith('sleep\0')) await sleep(5);
        expect(isAlive(pid)).toBe(true);
        signal(pid, 'SIGKILL');
        expect(await waitForExit(pid, 5_000)).toBe(true);
        expect(isAlive(pid)).toBe(false);
        // Still there, as a zombie: what made the old check wait for the parent.
        expect(readFileSync(`/proc/${pid}/stat`, 'utf8')).toMatch(/\) Z /);
      } finally {
        parent.kill('SIGKILL');
      }
    },
  );

  it('say a running process is alive and a gone one is not', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const pid = child.pid as number;
    expect(isAlive(pid)).toBe(true);
    expect(await waitForExit(pid, 50)).toBe(false);
    child.kill('SIGKILL');
    await once(child, 'exit');
    await sleep(10);
    expect(isAlive(pid)).toBe(false);
  });
});
