import { type EchoUpstream, startEchoUpstream, startTestGate, type TestGate } from '@rockpool/caddy/testing';
import { assertWorkspaceName } from '@rockpool/model';
import { RuntimeError, type RuntimeKind, type VmInfo, type VmRuntime, type VmSpec } from '../vm-runtime.js';
import { startTcpForward, type TcpForward } from './tcp-forward.js';

export interface FakeRuntimeOptions {
  /**
   * The dial address of a real server standing in for the apps in every guest: every guest port
   * leads to it. Without it nothing listens in the guests, and the gate answers 502 for any port.
   */
  app?: string;
  /** Every guest gate's monotonic clock (ms), so tests move idle time by hand; default the real one. */
  gateClock?: () => number;
}

interface FakeGuest {
  /** The guest's code-server: an echo server named `ide-<workspace>`. */
  ide: EchoUpstream;
  /** The guest's real gate (packages/guest), with a secret of its own. */
  gate: TestGate;
  /** The host's one forward to the gate, which can freeze as a guest starved of CPU does. */
  forward: TcpForward;
}

interface FakeVm {
  /** Present while the VM runs. */
  guest?: FakeGuest;
  /** Its memory is "saved": the next start resumes (with a new gate secret, as a real resume). */
  suspended: boolean;
  memoryMiB: number;
}

/**
 * A VM runtime in memory whose guests are real sockets on loopback, for the worker's tests: fast,
 * with failures on demand. Each running VM has the guest's real gate in front of its "code-server"
 * and its "apps", reached through a forward as QEMU's. It passes the same behaviour suite as the
 * real runtimes (fake-runtime.test.ts), so the worker is never tested against a runtime that could
 * not exist.
 */
export class FakeRuntime implements VmRuntime {
  /** It stands in for the Linux runtime. */
  readonly kind: RuntimeKind = 'qemu';
  readonly suspendKeepsMemory = true;
  readonly #vms = new Map<string, FakeVm>();
  readonly #app: string | undefined;
  readonly #gateClock: (() => number) | undefined;
  /** Starts left to fail (each failing start uses one up), as QEMU failing to start does. */
  failStart = 0;
  /** The gate secret of the next guest that boots, used up by it (default: a new random one). */
  nextGateSecret: string | undefined;

  constructor(options: FakeRuntimeOptions = {}) {
    this.#app = options.app;
    this.#gateClock = options.gateClock;
  }

  async create(spec: VmSpec): Promise<void> {
    assertWorkspaceName(spec.workspace);
    if (!this.#vms.has(spec.workspace))
      this.#vms.set(spec.workspace, { suspended: false, memoryMiB: spec.memoryMiB });
  }

  async start(spec: VmSpec): Promise<VmInfo> {
    await this.create(spec);
    if (this.failStart > 0) {
      this.failStart--;
      throw new RuntimeError('vm_start_failed', 'QEMU could not start (simulated)');
    }
    const vm = this.#vm(spec.workspace);
    if (vm.guest) return this.inspect(spec.workspace);
    const ide = await startEchoUpstream({ name: `ide-${spec.workspace}` });
    const gate = await startTestGate({
      codeServer: ide.address,
      ...(this.#app ? { otherPorts: this.#app } : {}),
      ...(this.nextGateSecret ? { secret: this.nextGateSecret } : {}),
      ...(this.#gateClock ? { clock: this.#gateClock } : {}),
    });
    this.nextGateSecret = undefined;
    vm.guest = { ide, gate, forward: await startTcpForward(gate.address) };
    const resumed = vm.suspended;
    vm.suspended = false;
    const info = await this.inspect(spec.workspace);
    return resumed ? { ...info, boot: { kind: 'resumed' } } : info;
  }

  async inspect(workspace: string): Promise<VmInfo> {
    assertWorkspaceName(workspace);
    const vm = this.#vms.get(workspace);
    if (!vm) return { workspace, state: 'absent' };
    const guest = vm.guest;
    return guest
      ? { workspace, state: 'running', gate: { address: guest.forward.address, secret: guest.gate.secret } }
      : { workspace, state: vm.suspended ? 'suspended' : 'stopped' };
  }

  async stop(workspace: string): Promise<void> {
    assertWorkspaceName(workspace);
    const vm = this.#vms.get(workspace);
    if (vm) vm.suspended = false;
    await this.#powerOff(vm);
  }

  async suspend(workspace: string): Promise<void> {
    assertWorkspaceName(workspace);
    const vm = this.#vms.get(workspace);
    if (!vm?.guest) return;
    await this.#powerOff(vm);
    vm.suspended = true;
  }

  /** A disk of 64 MiB, and a memory file of an eighth of the RAM while suspended. */
  async diskUsage(workspace: string): Promise<number | undefined> {
    assertWorkspaceName(workspace);
    const vm = this.#vms.get(workspace);
    if (!vm) return undefined;
    return (64 + (vm.suspended ? vm.memoryMiB / 8 : 0)) * 1024 ** 2;
  }

  async #powerOff(vm: FakeVm | undefined): Promise<void> {
    const guest = vm?.guest;
    if (!vm || !guest) return;
    vm.guest = undefined;
    await guest.forward.close();
    await guest.gate.close();
    await guest.ide.close();
  }

  async delete(workspace: string): Promise<void> {
    await this.stop(workspace);
    this.#vms.delete(workspace);
  }

  async list(): Promise<string[]> {
    return [...this.#vms.keys()].sort();
  }

  /** The VM dies behind the worker's back. */
  crash(workspace: string): Promise<void> {
    return this.#powerOff(this.#vms.get(workspace));
  }

  /**
   * The VM stops answering (its forward still accepts connections), as a guest starved of CPU;
   * set `frozen = false` on what it returns to thaw it.
   */
  freezeIde(workspace: string): TcpForward {
    const forward = this.#vms.get(workspace)?.guest?.forward;
    if (!forward) throw new Error(`${workspace} has no running VM`);
    forward.frozen = true;
    forward.unanswered = 0;
    return forward;
  }

  #vm(workspace: string): FakeVm {
    const vm = this.#vms.get(workspace);
    if (!vm) throw new Error(`${workspace} has no VM`);
    return vm;
  }
}
