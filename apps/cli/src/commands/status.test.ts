import { describe, expect, it } from 'vitest';
import { runtimeLines } from './status.js';

describe('rockpool status: the VM runtime', () => {
  it('says when tart guests are not isolated, with every warning of the worker in full', () => {
    expect(
      runtimeLines({
        runtime: 'tart',
        network: 'shared',
        warnings: ['guests are NOT isolated: x', 'lease: y'],
      }),
    ).toEqual([
      '  VM runtime:  tart, network shared NAT',
      '  WARNING: guests are NOT isolated: x',
      '  WARNING: lease: y',
    ]);
    expect(runtimeLines({ runtime: 'tart', network: 'softnet', warnings: [] })).toEqual([
      '  VM runtime:  tart, network softnet (guests isolated from each other)',
    ]);
    expect(runtimeLines(undefined)).toEqual([]);
  });
});
