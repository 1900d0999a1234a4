import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { edgeRequest } from '../testing/edge-request.js';
import { type EdgeWithWorkspace, startEdgeWithWorkspace } from '../testing/workspace-fixture.js';

/* What a workspace's code-server and its forwarded apps (untrusted code) receive from the edge. */
let fixture: EdgeWithWorkspace;
beforeAll(async () => {
  fixture = await startEdgeWithWorkspace();
});
afterAll(() => fixture?.close());

async function seenHeaders(path: string, headers: Record<string, string>) {
  const { edge } = fixture;
  const res = await edgeRequest(`${edge.workspacesUrl}${path}`, {
    headers: { ...edge.authHeader(), ...headers },
  });
  expect(res.status).toBe(200);
  return (JSON.parse(res.body) as { headers: Record<string, string | undefined> }).headers;
}

describe.each(['/workspace/w/', '/workspace/w/port/3000/'])('headers sent upstream by %s', (path) => {
  it('drop a client-sent X-Rockpool-User', async () => {
    const headers = await seenHeaders(path, { 'X-Rockpool-User': 'mallory' });
    expect(headers['x-rockpool-user']).toBeUndefined();
  });

  it.each([
    ['a=1; access_token=x; other=1', 'a=1; other=1'],
    ['access_token=x; other=1', 'other=1'],
    ['a=1; access_token=x', 'a=1'],
    ['a=1;access_token=x;other=1', 'a=1;other=1'],
    ['access_token=x; access_token=y; b=2', 'b=2'],
    ['a=1; access_token=x; access_token=y; b=2', 'a=1; b=2'],
    ['xaccess_token=1; access_token_2=3', 'xaccess_token=1; access_token_2=3'],
  ])('turn the Cookie %j into %j (no session cookie, no debris)', async (sent, expected) => {
    const headers = await seenHeaders(path, { Cookie: sent });
    expect(headers.cookie).toBe(expected);
  });

  it('send no session cookie when it was the only one', async () => {
    const headers = await seenHeaders(path, { Cookie: 'access_token=x' });
    expect(headers.cookie ?? '').toBe('');
  });
});
