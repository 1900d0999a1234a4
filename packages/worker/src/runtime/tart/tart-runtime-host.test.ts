import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type GateEndpoint, RuntimeError, type VmSpec } from '../vm-runtime.js';
import { fakes, fakeTart } from './fake-tart.fixture.js';
import { TartRuntime } from './tart-runtime.js';

/** What real tart does on a real Mac that the plain case does not show: shared homes, stops, limits. */

const spec = (workspace: string): VmSpec => ({ workspace, cpus: 1, memoryMiB: 1024 });

/** One request to a guest's gate, with `secret`; the status, 0 when nothing answered. */
async function gateStatus(gate: GateEndpoint | undefined, path: string, secret = ''): Promise<number> {
  const response = await fetch(`http://${gate?.address}${path}`, {
    headers: { 'x-rockpool-gate': secret },
  }).catch(() => undefined);
  return response?.status ?? 0;
}

describe('TartRuntime on a shared Mac', () => {
  afterAll(async () => {
    for (const fake of fakes) await fake.cleanup();
  });

  it('two instances sharing one TART_HOME each see, reuse and delete only their own VMs', async () => {
    const fake = await fakeTart();
    const other = new TartRuntime({
      ...fake.options,
      instanceId: 'other2',
      stateDir: join(fake.root, 'other'),
    });
    await fake.runtime.create(spec('shared'));
    await other.create(spec('shared'));
    await other.create(spec('theirs'));
    expect(await fake.runtime.list()).toEqual(['shared']);
    expect(await other.list()).toEqual(['shared', 'theirs']);
    await fake.runtime.delete('shared');
    expect(await fake.runtime.inspect('shared')).toMatchObject({ state: 'absent' });
    expect(await other.inspect('shared')).toMatchObject({ state: 'stopped' });
    await other.delete('shared');
    await other.delete('theirs');
    await fake.cleanup();
  });

  it('stop flushes the guest and asks it to shut down; no power cut', async () => {
    const fake = await fakeTart();
    const vm = fake.runtime.vmName('ivan');
    await fake.runtime.start(spec('ivan'));
    fake.guestWrite(vm, 'notes.txt', 'unsaved');
    await fake.runtime.stop('ivan');
    expect(fake.recorded(vm, 'shutdown')).toBe('graceful');
    expect(fake.guestFile(vm, 'notes.txt')).toBe('unsaved');
    expect(await fake.runtime.logTail('ivan', 100)).not.toMatch(/rockpool: /);
    await fake.runtime.delete('ivan');
    await fake.cleanup();
  });

  it('a guest that ignores the power button is cut off after the timeout; the flush kept its writes', async () => {
    const fake = await fakeTart({ stopTimeoutSeconds: 1 }, { FAKE_TART_GUEST_IGNORES_STOP: '1' });
    const vm = fake.runtime.vmName('judy');
    await fake.runtime.start(spec('judy'));
    fake.guestWrite(vm, 'notes.txt', 'unsaved');
    await fake.runtime.stop('judy');
    expect(await fake.runtime.inspect('judy')).toEqual({ workspace: 'judy', state: 'stopped' });
    expect(fake.recorded(vm, 'shutdown')).toBe('power-cut');
    expect(fake.guestFile(vm, 'notes.txt')).toBe('unsaved');
    expect(await fake.runtime.logTail('judy', 100)).toMatch(
      /rockpool: rockpool-test1-ws-judy did not shut down within 1 s: cutting its power \(tart stop\)\nStopping VM\.\.\./,
    );
    await fake.runtime.delete('judy');
    await fake.cleanup();
  });

  it('without the guest agent, the shutdown still flushes, and the log says the sync failed', async () => {
    const fake = await fakeTart({}, { FAKE_TART_NO_AGENT: '1' });
    const vm = fake.runtime.vmName('kim');
    await fake.runtime.start(spec('kim'));
    fake.guestWrite(vm, 'notes.txt', 'unsaved');
    await fake.runtime.stop('kim');
    expect(fake.recorded(vm, 'shutdown')).toBe('graceful');
    expect(fake.guestFile(vm, 'notes.txt')).toBe('unsaved');
    expect(await fake.runtime.logTail('kim', 100)).toMatch(
      /rockpool: tart exec rockpool-test1-ws-kim sync failed \(.*is the Tart Guest Agent running\?\)/,
    );
    await fake.runtime.delete('kim');
    await fake.cleanup();
  });

  // Two guests at once need two addresses: Linux only (fake-tart.fixture.ts, LEASE_IPS).
  it.skipIf(process.platform !== 'linux')(
    'a start past macOS’s two-VM limit fails as soon as tart run exits, naming the limit',
    async () => {
      // An IP wait far beyond the test's timeout: only watching `tart run` can end this start.
      const fake = await fakeTart({ ipWaitSeconds: 600 });
      await fake.runtime.start(spec('lea'));
      await fake.runtime.start(spec('max'));
      const error = await fake.runtime.start(spec('ned')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RuntimeError);
      expect((error as RuntimeError).code).toBe('vm_start_failed');
      expect((error as RuntimeError).message).toMatch(/^macOS runs at most two VMs at a time/);
      expect((error as RuntimeError).message).toContain(
        'The number of VMs exceeds the system limit (other running VMs: rockpool-test1-ws-lea, rockpool-test1-ws-max)',
      );
      expect(await fake.runtime.inspect('ned')).toEqual({ workspace: 'ned', state: 'stopped' });
      for (const workspace of ['lea', 'max', 'ned']) await fake.runtime.delete(workspace);
      await fake.cleanup();
    },
    30_000,
  );

  it('runs guests behind softnet when asked; tart run fails at once where softnet is missing', async () => {
    const withSoftnet = await fakeTart({ network: 'softnet' });
    const bin = join(withSoftnet.root, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'softnet'), '#!/bin/sh\n');
    chmodSync(join(bin, 'softnet'), 0o755);
    const runtime = new TartRuntime({
      ...withSoftnet.options,
      env: { ...withSoftnet.env, PATH: `${bin}:${process.env.PATH}` },
    });
    await runtime.start(spec('olga'));
    expect(withSoftnet.recorded(runtime.vmName('olga'), 'network')).toBe('softnet');
    expect(await runtime.logTail('olga')).toMatch(/ run rockpool-test1-ws-olga --no-graphics --net-softnet /);
    await runtime.delete('olga');

    const without = await fakeTart({ network: 'softnet', ipWaitSeconds: 600 });
    await expect(without.runtime.start(spec('paul'))).rejects.toThrow(
      /Error: InitializationFailed\(why: "softnet not found in PATH"\)/,
    );
    await without.runtime.delete('paul');
    await withSoftnet.cleanup();
    await without.cleanup();
  });

  it('a stale DHCP lease is not taken for this boot: start returns once this boot’s gate answers', async () => {
    // tart ip answers from the last boot's lease until the new boot has its own; the guest is not up.
    const fake = await fakeTart({}, { FAKE_TART_BOOT_MS: '1500' });
    await fake.runtime.start(spec('rosa'));
    await fake.runtime.stop('rosa');
    const info = await fake.runtime.start(spec('rosa'));
    expect(await gateStatus(info.gate, '/healthz', info.gate?.secret)).toBe(200);
    await fake.runtime.delete('rosa');
    await fake.cleanup();
  });

  it('passes on tart’s own refusal of a size below the VM minimum, leaving no half-made VM', async () => {
    const fake = await fakeTart();
    await expect(fake.runtime.create({ workspace: 'quinn', cpus: 1, memoryMiB: 64 })).rejects.toThrow(
      /Error: LessThanMinimalResourcesError: VM should have 134217728 bytes of memory at minimum \(requested 67108864\)/,
    );
    expect(await fake.runtime.inspect('quinn')).toMatchObject({ state: 'absent' });
    await fake.cleanup();
  });
});
