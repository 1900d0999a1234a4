import { startTestEdge, type TestEdge } from './edge-fixture.js';
import { startTestGate, type TestGate } from './test-gate.js';
import { type EchoUpstream, startEchoUpstream } from './upstream.js';

/**
 * A test edge with one workspace `w` behind the guest's real gate: its IDE and an app on guest port
 * 3000, both echo upstreams.
 */
export interface EdgeWithWorkspace {
  edge: TestEdge;
  gate: TestGate;
  ide: EchoUpstream;
  app: EchoUpstream;
  /** Stops the edge, the gate and both upstreams. */
  close(): Promise<void>;
}

export async function startEdgeWithWorkspace(
  options?: Parameters<typeof startTestEdge>[0],
): Promise<EdgeWithWorkspace> {
  const edge = await startTestEdge(options);
  const ide = await startEchoUpstream({ name: 'ide' });
  const app = await startEchoUpstream({ name: 'app' });
  const gate = await startTestGate({ codeServer: ide.address, ports: { 3000: app.address } });
  const close = async () => {
    await edge.close();
    await gate.close();
    await ide.close();
    await app.close();
  };
  try {
    await edge.router.putWorkspace({
      name: 'w',
      upstream: gate.address,
      gateSecret: gate.secret,
      // The edge's first user (alice) owns it.
      owner: edge.users[0]?.username ?? '',
      ports: [{ port: 3000 }],
    });
  } catch (error) {
    await close();
    throw error;
  }
  return { edge, gate, ide, app, close };
}
