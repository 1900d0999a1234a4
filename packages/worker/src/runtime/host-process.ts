import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { RuntimeError } from './vm-runtime.js';

/** Waits until process `pid` is gone; true if it went within `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await sleep(100);
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

/** Whether a process exists; EPERM means it does, owned by someone else. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
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
