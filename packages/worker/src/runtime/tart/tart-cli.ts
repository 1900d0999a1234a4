import { execa } from 'execa';
import { RuntimeError } from '../vm-runtime.js';
import { tartGetArgs, tartIpArgs } from './tart-args.js';
import { classifyTartFailure, parseTartGet, type TartState } from './tart-output.js';

/** What one tart command did: its exit code and output (stderr trimmed, as tart prints one message). */
export interface TartResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * The thin client of tart's CLI: runs a command to completion and turns what tart said into states
 * and RuntimeErrors. The arguments come from the pure builders in tart-args.ts.
 */
export class TartCli {
  constructor(
    readonly binary: string,
    /** Extra environment for tart, over this process's (e.g. TART_HOME). */
    readonly env: NodeJS.ProcessEnv,
  ) {}

  /**
   * Runs tart to completion; only a tart that cannot be run at all, is killed or outlives
   * `timeoutMs` (then it is killed) throws here.
   */
  async exec(args: string[], timeoutMs?: number): Promise<TartResult> {
    const result = await execa(this.binary, args, {
      reject: false,
      stdin: 'ignore',
      env: this.env,
      ...(timeoutMs ? { timeout: timeoutMs } : {}),
    });
    if (result.timedOut)
      throw new RuntimeError(
        'vm_command_failed',
        `tart ${args.join(' ')} did not finish within ${timeoutMs} ms`,
        {
          cause: result,
        },
      );
    if (result.exitCode === undefined)
      throw result.signal
        ? new RuntimeError('vm_command_failed', `tart ${args[0]} was killed (${result.signal})`, {
            cause: result,
          })
        : new RuntimeError(
            'runtime_unavailable',
            `cannot run ${this.binary} (is tart installed? https://tart.run): ${result.message}`,
            { cause: result },
          );
    return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr.trim() };
  }

  /** Runs tart and throws a RuntimeError with tart's message unless it exits 0. */
  async run(args: string[]): Promise<TartResult> {
    const result = await this.exec(args);
    if (result.exitCode !== 0) throw failed(args, result);
    return result;
  }

  /** The VM's state; `absent` when tart does not know it. */
  async state(vm: string): Promise<TartState | 'absent'> {
    const result = await this.exec(tartGetArgs(vm));
    if (result.exitCode !== 0) {
      if (classifyTartFailure(result.stderr) === 'vm_missing') return 'absent';
      throw failed(['get', vm], result);
    }
    try {
      return parseTartGet(result.stdout);
    } catch (error) {
      throw new RuntimeError('vm_command_failed', `tart get ${vm}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /** The guest's address, or undefined while it has none (booting, or not running). */
  async ip(vm: string, waitSeconds: number): Promise<string | undefined> {
    const result = await this.exec(tartIpArgs(vm, waitSeconds));
    if (result.exitCode === 0) return result.stdout.trim();
    if (['no_ip', 'vm_missing'].includes(classifyTartFailure(result.stderr))) return undefined;
    throw failed(['ip', vm], result);
  }
}

/** The error for a tart command (named by `args`) that exited non-zero, carrying what tart said. */
export function failed(args: string[], result: TartResult): RuntimeError {
  const said = result.stderr || result.stdout.trim() || '(no output)';
  return new RuntimeError('vm_command_failed', `tart ${args.join(' ')} exited ${result.exitCode}: ${said}`);
}
