import { setTimeout as sleep } from 'node:timers/promises';
import { RuntimeError } from '../vm-runtime.js';
import { guestExec, guestPing } from './qmp.js';

/** Installs the gate's secret in the guest from its stdin (scripts/guest/rockpool-gate-secret). */
export const GATE_SECRET_COMMAND = '/usr/local/sbin/rockpool-gate-secret';

export interface GateSecretInstall {
  workspace: string;
  qgaSocket: string;
  secret: string;
  /** How long the guest agent may take to come up and run the command. */
  timeoutMs: number;
  /** Whether the VM's QEMU still runs. */
  running(): Promise<boolean>;
  /** The guest console's last lines, for an error. */
  consoleTail(): Promise<string>;
}

/**
 * Hands the gate its secret through the guest agent, as the stdin of rockpool-gate-secret (never
 * as an argument), retrying until the agent runs and the command succeeds. Until then the gate
 * answers 503 to everything; a resumed guest's gate holds the secret of the boot it was saved in
 * until this replaces it.
 */
export async function installGateSecret(install: GateSecretInstall): Promise<void> {
  const { qgaSocket, timeoutMs } = install;
  const deadline = Date.now() + timeoutMs;
  let problem = 'the guest agent did not answer';
  for (;;) {
    if (await guestPing(qgaSocket)) {
      const result = await guestExec(qgaSocket, [GATE_SECRET_COMMAND], {
        input: install.secret,
        timeoutMs: 30_000,
      }).catch((error: Error) => ({ exitCode: -1, stdout: '', stderr: error.message }));
      if (result.exitCode === 0) return;
      problem = `${GATE_SECRET_COMMAND} exited ${result.exitCode}: ${result.stderr.trim()}`;
    }
    if (!(await install.running()))
      throw new RuntimeError(
        'vm_start_failed',
        `QEMU exited before the gate's secret was installed: ${await install.consoleTail()}`,
      );
    if (Date.now() > deadline)
      throw new RuntimeError(
        'vm_start_failed',
        `could not install the gate's secret in ${install.workspace} within ${Math.round(timeoutMs / 1000)} s (${problem}); is the guest image older than the gate? Rebuild it with scripts/build-guest-image.sh`,
      );
    await sleep(1_000);
  }
}
