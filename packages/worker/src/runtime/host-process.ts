import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { RuntimeError } from './vm-runtime.js';

/**
 * Waits until process `pid` has exited; true if it did within `timeoutMs`. Polled often: a suspend
 * waits here for QEMU to end, and every poll interval is time the user waits.
 */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(10);
  }
  return false;
}

/** Sends `sig`; a process that is already gone is what was wanted. */
export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/**
 * Whether a process runs; EPERM means it does, owned by someone else. A zombie has exited: a
 * daemonized QEMU's parent is PID 1, and an init that reaps orphans late (1.3 to 1.8 s on the
 * firecracker VMs the benchmarks run on) would otherwise hold every suspend that long.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !isZombie(pid);
}

/** Whether `pid` is a zombie (exited, not yet reaped); false where there is no /proc (macOS). */
function isZombie(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // "pid (comm) state ...": comm may hold spaces and parentheses, so the state follows the last ')'.
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
}

/**
 * Runs a host command to its end; a non-zero exit is a RuntimeError saying `what` failed and why.
 * `fds` are handed to it as its file descriptors 3, 4, ...
 */
export function runCommand(binary: string, args: string[], what: string, fds: number[] = []): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe', ...fds] });
    const output = { stdout: '', stderr: '' };
    child.stdout?.on('data', (chunk: Buffer) => {
      output.stdout += chunk;
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output.stderr += chunk;
    });
    const fail = (status: string) =>
      reject(
        new RuntimeError(
          'vm_command_failed',
          `${what} failed (${binary} ${status}): ${output.stderr.trim() || output.stdout.trim()}`,
        ),
      );
    child.once('error', (error) => fail(`could not run: ${error.message}`));
    child.once('close', (code) => (code === 0 ? resolve() : fail(`exited ${code}`)));
  });
}
