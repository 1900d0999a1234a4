import { describe, expect, it } from 'vitest';
import { portRouteId, workspaceRouteId } from './route-ids.js';

describe('route ids', () => {
  it('follow the documented scheme', () => {
    expect(workspaceRouteId('alice')).toBe('workspace-alice');
    expect(portRouteId('alice', 3000)).toBe('workspace-alice-port-3000');
  });
});
