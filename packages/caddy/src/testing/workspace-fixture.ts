import { startTestEdge, type TestEdge } from './edge-fixture.js';
import { type EchoUpstream, startEchoUpstream } from './upstream.js';

/** A test edge with one workspace `w`: its IDE and an app on port 3000, both echo upstreams. */
export interface EdgeWithWorkspace {
  edge: TestEdge;
  ide: EchoUpstream;
  app: EchoUpstream;
  /** Stops the edge and both upstreams. */
  close(): Promise<void>;
}

export async function startEdgeWithWorkspace(
  options?: Parameters<typeof startTestEdge>[0],
): Promise<EdgeWithWorkspace> {
  const edge = await startTestEdge(options);
  const ide = await startEchoUpstream({ name: 'ide' });
  const app = await startEchoUpstream({ name: 'app' });
  const close = async () => {
    await edge.close();
    await ide.close();
    await app.close();
  };
  try {
    await edge.router.putWorkspace({
      name: 'w',
      upstream: ide.address,
      ports: [{ port: 3000, upstream: app.address }],
    });
  } catch (error) {
    await close();
    throw error;
  }
  return { edge, ide, app, close };
}
