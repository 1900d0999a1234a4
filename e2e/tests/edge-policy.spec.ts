import { expect, test } from '../fixtures.js';

/** What the edge asks of every request before it reaches the control plane or a workspace. */
test('without credentials every server answers 401 (a browser is sent to sign in), except /api/health', async ({
  stack,
}) => {
  const anonymous = async (url: string, init: RequestInit = {}) => {
    const res = await fetch(url, { ...init, headers: { Connection: 'close', ...init.headers } });
    return { status: res.status, challenge: res.headers.get('WWW-Authenticate'), text: await res.text() };
  };
  const wrongPassword = `Basic ${Buffer.from(`${stack.credentials.username}:not-the-password`).toString('base64')}`;
  const protectedUrls = [
    `${stack.controlPlane}/`,
    `${stack.controlPlane}/app/`,
    `${stack.controlPlane}/api/workspaces`,
    `${stack.controlPlane}/api/openapi.json`,
    `${stack.controlPlane}/api/events`,
    `${stack.controlPlane}/nothing-here`,
    stack.ideUrl('anything'),
    `${stack.ideUrl('anything')}port/3000/`,
    stack.portUrl('anything', 3000),
  ];
  for (const url of protectedUrls) {
    const res = await anonymous(url);
    // No basic-auth prompt: a browser gets the sign-in page instead.
    expect({ url, status: res.status, challenge: res.challenge }).toEqual({
      url,
      status: 401,
      challenge: null,
    });
    expect((await anonymous(url, { headers: { Authorization: wrongPassword } })).status).toBe(401);
    const navigation = await anonymous(url, { headers: { Accept: 'text/html' }, redirect: 'manual' });
    expect({ url, status: navigation.status }).toEqual({ url, status: 302 });
  }
  // State-changing requests too, and nothing changes.
  expect(
    (await anonymous(`${stack.controlPlane}/api/workspaces`, { method: 'POST', body: '{"name":"anon"}' }))
      .status,
  ).toBe(401);
  expect((await stack.api('GET', '/api/workspaces/anon')).status).toBe(404);

  const health = await anonymous(`${stack.controlPlane}/api/health`);
  expect(health.status).toBe(200);
  expect(JSON.parse(health.text)).toMatchObject({ status: 'ok' });
});
