export { type RuntimeKind, RuntimeError, type VmInfo, type VmRuntime, type VmSpec, type VmState } from './runtime/vm-runtime.js';
