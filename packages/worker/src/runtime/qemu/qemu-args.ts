import type { VmSpec } from '../vm-runtime.js';
import { RESTORE_AGENT_PORT } from './restore-agent.js';

export type Accelerator = 'kvm' | 'tcg';

export interface GuestImage {
  kernel: string;
  initrd: string;
  rootfs: string;
}

export interface VmPaths {
  disk: string;
  pidFile: string;
  qmpSocket: string;
  qgaSocket: string;
  /** QEMU's end of the restore agent's port (restore-agent.ts). */
  restoreSocket: string;
  consoleLog: string;
}

export interface QemuLaunch {
  spec: VmSpec;
  image: GuestImage;
  paths: VmPaths;
  accel: Accelerator;
  /**
   * Host loopback port forwarded to the guest's gate (8080): the VM's only forward. Every app port
   * is reached through the gate, so none is forwarded on its own.
   */
  gateHostPort: number;
  /** The host CPU's frequency: microvm can hang calibrating the TSC on a busy host without it. */
  tscKhz: number;
  /** Drop privileges to this user after start-up (isolation from host services). */
  runAs?: string;
  /**
   * Restore saved memory instead of booting (RESTORE_FDS): QEMU reads the memory and device state
   * from its descriptor 5, the file itself (twice as fast as a stream through a socket from the
   * runtime), and stays paused (`-S`) once it is loaded, so the runtime can retire the memory file
   * before the guest runs again and writes to its disk. The disk is opened through descriptors 3
   * (read-write) and 4 (read-only) instead of its path: a restored guest's disk is opened for
   * writing when it continues, after `runAs` took effect, and by then QEMU may not reach the path
   * (the data directory is the worker's, 0700); the memory file likewise.
   */
  restoring?: true;
  /** The kernel command line the saved guest booted with, when restoring a snapshot made for another name. */
  kernelCommandLine?: string;
}

/** QEMU's descriptors when `restoring`, in the order the runtime hands them over (from 3 on). */
export const RESTORE_FDS = { diskReadWrite: 3, diskReadOnly: 4, memory: 5 } as const;

/** The fd set the restored disk's descriptors go in. */
const DISK_FDSET = 1;

/** Every VM's QEMU process carries this name, so orphans can be found and PIDs checked. */
export function vmProcessName(workspace: string): string {
  return `rockpool-${workspace}`;
}

/** Where the guest's gate listens (packages/guest). */
export const GUEST_GATE_PORT = 8080;
export const NETDEV_ID = 'net0';

/**
/**
 * The kernel flags every guest boots with. `tsc=reliable`: without it the kernel finds no clocksource
 * to check the TSC against on a microvm, distrusts it, and keeps time by counting timer ticks, which
 * a busy host delays under TCG: a restored guest's clock then fell 1.4 s behind within seconds, and
 * every clock read was a system call (no vDSO). The TSC follows the host's (TCG reads the host's;
 * KVM hosts have an invariant one). A guest snapshot records these flags and fits only a runtime
 * that boots with the same ones.
 */
export const GUEST_KERNEL_FLAGS = 'console=ttyS0 root=/dev/vda rw panic=-1 quiet tsc=reliable';

/**
 * The guest's settings travel here (scripts/guest/rockpool-init reads them): the workspace name, not
 * secret. VS Code's port links are the guest's default in every routing mode (`./port/{{port}}/`:
 * in subdomain mode the edge redirects an IDE host's `/port/{port}/` to the port's host).
 */
export function kernelCommandLine(workspace: string, tscKhz: number): string {
  return `${GUEST_KERNEL_FLAGS} tsc_early_khz=${tscKhz} rockpool.workspace=${workspace}`;
}

/** The qemu-system-x86_64 arguments for one workspace VM: microvm, virtio disk/net, QMP and the guest agent. */
export function qemuArgs(launch: QemuLaunch): string[] {
  const { spec, image, paths } = launch;
  return [
    '-name',
    `${vmProcessName(spec.workspace)},process=${vmProcessName(spec.workspace)}`,
    '-accel',
    launch.accel,
    '-cpu',
    launch.accel === 'kvm' ? 'host' : 'max',
    '-smp',
    String(spec.cpus),
    '-m',
    String(spec.memoryMiB),
    '-M',
    'microvm',
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-no-reboot',
    '-kernel',
    image.kernel,
    '-initrd',
    image.initrd,
    '-append',
    launch.kernelCommandLine ?? kernelCommandLine(spec.workspace, launch.tscKhz),
    ...(launch.restoring
      ? [
          '-add-fd',
          `fd=${RESTORE_FDS.diskReadWrite},set=${DISK_FDSET}`,
          '-add-fd',
          `fd=${RESTORE_FDS.diskReadOnly},set=${DISK_FDSET}`,
        ]
      : []),
    '-drive',
    `id=root,file=${launch.restoring ? `/dev/fdset/${DISK_FDSET}` : paths.disk},format=qcow2,if=none`,
    '-device',
    'virtio-blk-device,drive=root',
    '-netdev',
    `user,id=${NETDEV_ID},hostfwd=tcp:127.0.0.1:${launch.gateHostPort}-:${GUEST_GATE_PORT}`,
    '-device',
    `virtio-net-device,netdev=${NETDEV_ID}`,
    '-device',
    'virtio-serial-device',
    '-chardev',
    `socket,id=qga0,path=${paths.qgaSocket},server=on,wait=off`,
    '-device',
    'virtserialport,chardev=qga0,name=org.qemu.guest_agent.0',
    '-chardev',
    `socket,id=restore0,path=${paths.restoreSocket},server=on,wait=off`,
    '-device',
    `virtserialport,chardev=restore0,name=${RESTORE_AGENT_PORT}`,
    '-qmp',
    `unix:${paths.qmpSocket},server=on,wait=off`,
    '-serial',
    `file:${paths.consoleLog}`,
    '-pidfile',
    paths.pidFile,
    ...(launch.runAs ? ['-runas', launch.runAs] : []),
    ...(launch.restoring ? ['-incoming', `fd:${RESTORE_FDS.memory}`, '-S'] : []),
    '-daemonize',
  ];
}

export function overlayArgs(base: string, disk: string): string[] {
  return ['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', base, disk];
}

/** QMP `migrate`'s URI: QEMU connects to the runtime's socket and streams the VM's state into it. */
export function migrateUri(socket: string): string {
  return `unix:${socket}`;
}
