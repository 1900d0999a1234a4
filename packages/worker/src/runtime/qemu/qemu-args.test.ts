import { describe, expect, it } from 'vitest';
import { guardRuleset } from './network-guard.js';
import { kernelCommandLine, migrateUri, overlayArgs, qemuArgs } from './qemu-args.js';

const launch = {
  spec: { workspace: 'alice', cpus: 2, memoryMiB: 2048 },
  image: { kernel: '/img/vmlinuz', initrd: '/img/initrd.gz', rootfs: '/img/rootfs.img' },
  paths: {
    disk: '/vms/alice/disk.qcow2',
    pidFile: '/vms/alice/qemu.pid',
    qmpSocket: '/vms/alice/qmp.sock',
    qgaSocket: '/vms/alice/qga.sock',
    restoreSocket: '/vms/alice/restore.sock',
    consoleLog: '/vms/alice/console.log',
  },
  gateHostPort: 41000,
  tscKhz: 2096005,
};

const value = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

describe('qemuArgs', () => {
  it('boots a labelled microvm with the overlay, the one forward (to the gate) and the agents', () => {
    const args = qemuArgs({ ...launch, accel: 'tcg' });
    expect(value(args, '-name')).toBe('rockpool-alice,process=rockpool-alice');
    expect(value(args, '-accel')).toBe('tcg');
    expect(value(args, '-cpu')).toBe('max');
    expect(value(args, '-M')).toBe('microvm');
    expect(value(args, '-smp')).toBe('2');
    expect(value(args, '-m')).toBe('2048');
    expect(value(args, '-netdev')).toBe('user,id=net0,hostfwd=tcp:127.0.0.1:41000-:8080');
    expect(value(args, '-drive')).toBe('id=root,file=/vms/alice/disk.qcow2,format=qcow2,if=none');
    expect(value(args, '-qmp')).toBe('unix:/vms/alice/qmp.sock,server=on,wait=off');
    // Two virtio-serial ports: the guest agent, and the restore agent (restore-agent.ts).
    const chardevs = args.flatMap((a, i) => (args[i - 1] === '-chardev' ? [a] : []));
    expect(chardevs).toEqual([
      'socket,id=qga0,path=/vms/alice/qga.sock,server=on,wait=off',
      'socket,id=restore0,path=/vms/alice/restore.sock,server=on,wait=off',
    ]);
    expect(args).toContain('virtserialport,chardev=qga0,name=org.qemu.guest_agent.0');
    expect(args).toContain('virtserialport,chardev=restore0,name=org.rockpool.restore.0');
    expect(value(args, '-append')).toContain('rockpool.workspace=alice');
    expect(value(args, '-append')).toContain('tsc_early_khz=2096005');
    expect(args).toContain('-daemonize');
    expect(args).not.toContain('-runas');
  });

  it('uses the host CPU under KVM and drops privileges when isolated', () => {
    const args = qemuArgs({ ...launch, accel: 'kvm', runAs: 'rockpool-vm' });
    expect(value(args, '-cpu')).toBe('host');
    expect(value(args, '-runas')).toBe('rockpool-vm');
  });

  it('resumes instead of booting: reads the memory from its descriptor 5 and waits paused', () => {
    const boot = qemuArgs({ ...launch, accel: 'tcg' });
    expect(boot).not.toContain('-incoming');
    expect(boot).not.toContain('-S');
    const resume = qemuArgs({ ...launch, accel: 'tcg', restoring: true });
    expect(value(resume, '-incoming')).toBe('fd:5');
    expect(resume).toContain('-S');
    // The same machine as at boot, or the saved state would not fit it.
    const added = ['-incoming', 'fd:5', '-S', '-add-fd', 'fd=3,set=1', 'fd=4,set=1'];
    expect(
      resume.filter((a) => !added.includes(a)).map((a) => a.replace('/dev/fdset/1', launch.paths.disk)),
    ).toEqual(boot);
    expect(migrateUri('/vms/alice/migrate-out.sock')).toBe('unix:/vms/alice/migrate-out.sock');
  });

  it('restores the guest snapshot with the command line it booted with, not the workspace’s', () => {
    const saved = 'console=ttyS0 root=/dev/vda rw rockpool.workspace=rockpool-snapshot';
    const restore = qemuArgs({ ...launch, accel: 'tcg', restoring: true, kernelCommandLine: saved });
    expect(value(restore, '-append')).toBe(saved);
    expect(value(qemuArgs({ ...launch, accel: 'tcg' }), '-append')).toContain('rockpool.workspace=alice');
  });

  it('takes a restored disk from its descriptors 3 (read-write) and 4 (read-only), not its path', () => {
    const args = qemuArgs({ ...launch, accel: 'tcg', restoring: true });
    expect(value(args, '-drive')).toBe('id=root,file=/dev/fdset/1,format=qcow2,if=none');
    expect(args.filter((_, i) => args[i - 1] === '-add-fd')).toEqual(['fd=3,set=1', 'fd=4,set=1']);
  });

  it('builds the overlay command and the kernel command line', () => {
    expect(overlayArgs('/img/rootfs.img', '/d.qcow2')).toEqual([
      'create',
      '-q',
      '-f',
      'qcow2',
      '-F',
      'raw',
      '-b',
      '/img/rootfs.img',
      '/d.qcow2',
    ]);
    expect(kernelCommandLine('a', 1)).toBe(
      'console=ttyS0 root=/dev/vda rw panic=-1 quiet tsc=reliable tsc_early_khz=1 rockpool.workspace=a',
    );
  });

  it('refuses new connections from the VM user to any local address, DNS aside', () => {
    const rules = guardRuleset();
    expect(rules).toContain('meta skuid "rockpool-vm" ct state new fib daddr type local counter reject');
    expect(rules.indexOf('dport 53 accept')).toBeLessThan(rules.indexOf('reject'));
  });
});
