import { type EchoUpstream, startEchoUpstream } from '@rockpool/caddy/testing';
import { assertPort, assertWorkspaceName } from '@rockpool/model';
import { RuntimeError, type RuntimeKind, type VmInfo, type VmRuntime, type VmSpec } from '../vm-runtime.js';
import { startTcpForward, type TcpForward } from './tcp-forward.js';

export interface FakeRuntimeOptions {
  /**
   * The dial address of a real server standing in for the apps in every guest: each exposed port
   * forwards to it. Without it nothing listens in the guests, and a forward closes what it accepts.
   */
  app?: string;
}

interface FakeVm {
  running: boolean;
  /** Its memory is "saved": the next start resumes. */
  suspended: boolean;
  memoryMiB: number;
  /** The guest's code-server: an echo server named `ide-<workspace>`, behind a forward that can freeze. */
  ide?: { server: EchoUpstream; forward: TcpForward };
  /** Guest port -> its forward. */
  ports: Map<number, TcpForward>;
}

/**
 * A VM runtime in memory whose "IDE" and forwarded ports are real sockets on loopback, for the
 * worker's tests: fast, with failures on demand. It passes the same behaviour suite as the real
 * runtimes (fake-runtime.test.ts), so the worker is never tested against a runtime that could not
 * exist.
 */
export class FakeRuntime implements VmRuntime {
  /** It stands in for the Linux runtime. */
  readonly kind: RuntimeKind = 'qemu';
  readonly suspendKeepsMemory = true;
  readonly #vms = new Map<string, FakeVm>();
  readonly #app: string | undefined;
  /** Starts left to fail (each failing start uses one up), as QEMU failing to start does. */
  failStart = 0;

  constructor(options: FakeRuntimeOptions = {}) {
    this.#app = options.app;
  }

  async create(spec: VmSpec): Promise<void> {
    assertWorkspaceName(spec.workspace);
    if (!this.#vms.has(spec.workspace))
      this.#vms.set(spec.workspace, {
        running: false,
        suspended: false,
        memoryMiB: spec.memoryMiB,
        ports: new Map(),
      });
  }

  async start(spec: VmSpec): Promise<VmInfo> {
    await this.create(spec);
    if (this.failStart > 0) {
      this.failStart--;
      throw new RuntimeError('vm_start_failed', 'QEMU could not start (simulated)');
    }
    const vm = this.#vm(spec.workspace);
    if (vm.running) return this.inspect(spec.workspace);
    const server = await startEchoUpstream({ name: `ide-${spec.workspace}` });
    vm.ide = { server, forward: await startTcpForward(server.address) };
    vm.running = true;
    const resumed = vm.suspended;
    vm.suspended = false;
    const info = await this.inspect(spec.workspace);
    return resumed ? { ...info, boot: { kind: 'resumed' } } : info;
  }

  async inspect(workspace: string): Promise<VmInfo> {
    assertWorkspaceName(workspace);
    const vm = this.#vms.get(workspace);
    if (!vm) return { workspace, state: 'absent' };
    if (vm.running && vm.ide) return { workspace, state: 'running', ide: vm.ide.forward.address };
    return { workspace, state: vm.suspended ? 'suspended' : 'stopped' };
  }

  async exposePort(workspace: string, port: number): Promise<string> {
    assertWorkspaceName(workspace);
    assertPort(port);
    const vm = this.#vms.get(workspace);
    if (!vm?.running)
      throw new RuntimeError(
        'vm_not_found',
        `workspace ${workspace} has no running VM to forward port ${port} to`,
      );
    let forward = vm.ports.get(port);
    if (!forward) {
      forward = await startTcpForward(this.#app);
      vm.ports.set(port, forward);
    }
    return forward.address;
  }

  async unexposePort(workspace: string, port: number): Promise<void> {
    assertWorkspaceName(workspace);
    const ports = this.#vms.get(workspace)?.ports;
    await ports?.get(port)?.close();
    ports?.delete(port);
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
    if (!vm?.running) return;
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
    if (!vm?.running) return;
    await Promise.all([...vm.ports.values()].map((forward) => forward.close()));
    vm.ports.clear();
    await vm.ide?.forward.close();
    await vm.ide?.server.close();
    vm.ide = undefined;
    vm.running = false;
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
   * The VM's code-server stops answering (it still accepts connections), as in a guest starved of
   * CPU; set `frozen = false` on what it returns to thaw it.
   */
  freezeIde(workspace: string): TcpForward {
    const forward = this.#vms.get(workspace)?.ide?.forward;
    if (!forward) throw new Error(`${workspace} has no IDE`);
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
