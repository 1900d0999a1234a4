import { request } from 'node:http';
import { type EchoUpstream, startEchoUpstream } from '@rockpool/caddy/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { describeVmRuntimeContract } from '../vm-runtime.contract.js';
import { FakeRuntime } from './fake-runtime.js';

/** The status of GET http://{address}/, or the error code when the connection fails or times out. */
function get(address: string): Promise<number | string> {
  const [host, port] = address.split(':');
  return new Promise((resolve) => {
    const req = request({ host, port: Number(port), path: '/', timeout: 500, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 'no status');
    });
    req.on('timeout', () => {
      resolve('timeout');
      req.destroy();
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    req.end();
  });
}

async function deleteAll(runtime: FakeRuntime): Promise<void> {
  for (const name of await runtime.list()) await runtime.delete(name);
}

describeVmRuntimeContract('fake (in memory, real sockets)', async () => {
  const runtime = new FakeRuntime();
  return { runtime, cleanup: () => deleteAll(runtime) };
});

describe('FakeRuntime', () => {
  let runtime: FakeRuntime;
  let app: EchoUpstream | undefined;
  afterEach(async () => {
    await deleteAll(runtime);
    await app?.close();
  });

  it('forwards exposed ports to the app, and closes what it accepts once the app is gone, like QEMU', async () => {
    app = await startEchoUpstream({ name: 'app' });
    runtime = new FakeRuntime({ app: app.address });
    await runtime.start({ workspace: 'alice', cpus: 1, memoryMiB: 512 });
    const forward = await runtime.exposePort('alice', 3000);
    expect(await get(forward)).toBe(200);
    await app.close();
    expect(await get(forward)).toBe('ECONNRESET');
  });

  it('fails starts on demand, and freezes and thaws the IDE', async () => {
    runtime = new FakeRuntime();
    runtime.failStart = 1;
    const spec = { workspace: 'bob', cpus: 1, memoryMiB: 512 };
    await expect(runtime.start(spec)).rejects.toMatchObject({ code: 'vm_start_failed' });
    const { ide } = await runtime.start(spec);
    const forward = runtime.freezeIde('bob');
    expect(await get(ide ?? '')).toBe('timeout');
    expect(forward.unanswered).toBe(1);
    forward.frozen = false;
    expect(await get(ide ?? '')).toBe(200);
    await runtime.crash('bob');
    expect(await runtime.inspect('bob')).toEqual({ workspace: 'bob', state: 'stopped' });
  });
});
