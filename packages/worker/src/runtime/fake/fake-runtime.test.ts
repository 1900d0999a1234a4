import { request } from 'node:http';
import { type EchoUpstream, startEchoUpstream } from '@rockpool/caddy/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { describeVmRuntimeContract } from '../vm-runtime.contract.js';
import type { GateEndpoint } from '../vm-runtime.js';
import { FakeRuntime } from './fake-runtime.js';

/** The status of GET / through a gate, or the error code when the connection fails or times out. */
function get(gate: GateEndpoint | undefined, headers: Record<string, string> = {}): Promise<number | string> {
  const [host, port] = (gate?.address ?? '').split(':');
  const secret = gate ? { 'X-Rockpool-Gate': gate.secret } : {};
  return new Promise((resolve) => {
    const options = {
      host,
      port: Number(port),
      path: '/',
      headers: { ...secret, ...headers },
      timeout: 500,
      agent: false,
    };
    const req = request(options, (res) => {
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

  it('leads every guest port through the gate to the app, and answers 502 once the app is gone', async () => {
    app = await startEchoUpstream({ name: 'app' });
    runtime = new FakeRuntime({ app: app.address });
    const { gate } = await runtime.start({ workspace: 'alice', cpus: 1, memoryMiB: 512 });
    expect(await get(gate, { 'X-Rockpool-Port': '3000' })).toBe(200);
    expect(await get(gate, { 'X-Rockpool-Port': '5173' })).toBe(200);
    expect(
      await get({ address: gate?.address ?? '', secret: 'x'.repeat(43) }, { 'X-Rockpool-Port': '3000' }),
    ).toBe(403);
    await app.close();
    expect(await get(gate, { 'X-Rockpool-Port': '3000' })).toBe(502);
  });

  it('fails starts on demand, and freezes and thaws the IDE', async () => {
    runtime = new FakeRuntime();
    runtime.failStart = 1;
    const spec = { workspace: 'bob', cpus: 1, memoryMiB: 512 };
    await expect(runtime.start(spec)).rejects.toMatchObject({ code: 'vm_start_failed' });
    const { gate } = await runtime.start(spec);
    const forward = runtime.freezeIde('bob');
    expect(await get(gate)).toBe('timeout');
    expect(forward.unanswered).toBe(1);
    forward.frozen = false;
    expect(await get(gate)).toBe(200);
    await runtime.crash('bob');
    expect(await runtime.inspect('bob')).toEqual({ workspace: 'bob', state: 'stopped' });
  });
});
