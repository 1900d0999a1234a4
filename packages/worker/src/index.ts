export { Worker, type WorkerDeps, type WorkerOptions } from './jobs/worker.js';
export { createRuntime } from './runtime/create-runtime.js';
export { freeLoopbackPort } from './runtime/loopback-port.js';
export { type GuestIdle, untilGuestIdle } from './runtime/qemu/guest-idle.js';
export { ensureGuestIsolation, guardRuleset, type Isolation, VM_USER } from './runtime/qemu/network-guard.js';
export { type Accelerator, kernelCommandLine, qemuArgs, vmProcessName } from './runtime/qemu/qemu-args.js';
export { QemuRuntime, type QemuRuntimeOptions } from './runtime/qemu/qemu-runtime.js';
export { type ExecResult, guestExec } from './runtime/qemu/qmp.js';
export * from './runtime/tart/tart-args.js';
export * from './runtime/tart/tart-output.js';
export { TART_SHARE } from './runtime/tart/tart-run.js';
export { TartRuntime, type TartRuntimeOptions } from './runtime/tart/tart-runtime.js';
export {
  RuntimeError,
  type RuntimeKind,
  type VmInfo,
  type VmRuntime,
  type VmSpec,
  type VmState,
} from './runtime/vm-runtime.js';
