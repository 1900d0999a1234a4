import { describe, expect, it } from 'vitest';
import { allowedMethods } from './method-not-allowed.js';

const paths = {
  '/api/workspaces': { get: {}, post: {} },
  '/api/workspaces/{id}': { get: {}, delete: {}, parameters: [] },
  '/api/workspaces/{id}/start': { post: {} },
  '/api/workspaces/{id}/ports/{port}': { delete: {} },
};

describe('allowedMethods', () => {
  it.each([
    ['/api/workspaces', ['GET', 'HEAD', 'POST']],
    ['/api/workspaces/alice', ['GET', 'HEAD', 'DELETE']],
    ['/api/workspaces/alice/start', ['POST']],
    ['/api/workspaces/alice/ports/3000', ['DELETE']],
    ['/api/workspaces/', []],
    ['/api/workspaces//start', []],
    ['/api/workspaces/alice/start/now', []],
    ['/api/nothing', []],
  ])('%s allows %j', (path, allowed) => {
    expect(allowedMethods(paths, path)).toEqual(allowed);
  });
});
