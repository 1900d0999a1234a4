import { expect, test } from '../fixtures.js';

/**
 * A page served from a workspace (an app on a forwarded port, at its own host under
 * `ws.rockpool.localhost`) attacks the control plane (`rockpool.localhost`) with the user's
 * credentials, in the real browser. The session cookie covers both hosts and SameSite treats them as
 * same-site, so only the control plane's own refusal of foreign-origin state changes stands in the way.
 */
test.describe('origin isolation', () => {
  test.describe.configure({ mode: 'serial' });
  test.afterAll(async ({ stack }) => {
    await stack.api('DELETE', '/api/workspaces/evil');
  });

  test('a workspace page can neither read nor change the control plane', async ({ page, stack }) => {
    expect((await stack.api('POST', '/api/workspaces', { name: 'evil' })).status).toBe(201);
    await expect
      .poll(async () => (await stack.api('GET', '/api/workspaces/evil')).body.state, { timeout: 300_000 })
      .toBe('running');
    expect((await stack.api('POST', '/api/workspaces/evil/ports', { port: 3000 })).status).toBe(201);

    // The attacker's page, served by an app inside the workspace.
    const cp = stack.controlPlane;
    const html = `<!doctype html><body><script>
      window.results = {};
      (async () => {
        try { const r = await fetch('${cp}/api/workspaces', { credentials: 'include' }); results.read = 'read ' + r.status + ' ' + (await r.text()).slice(0, 40); }
        catch (e) { results.read = 'blocked'; }
        try { await fetch('${cp}/api/workspaces', { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify({ name: 'pwned-fetch' }) }); results.noCors = 'sent'; }
        catch (e) { results.noCors = 'failed'; }
        const img = new Image(); img.onload = img.onerror = () => { results.img = 'done'; }; img.src = '${cp}/api/workspaces';
        const s = document.createElement('script'); s.onload = s.onerror = () => { results.script = 'done'; }; s.src = '${cp}/api/workspaces'; document.body.append(s);
        const frame = document.createElement('iframe'); frame.name = 'sink'; document.body.append(frame);
        try { await fetch('${cp}/api/workspaces/evil/stop', { method: 'POST', mode: 'no-cors', credentials: 'include' }); results.stop = 'sent'; }
        catch (e) { results.stop = 'failed'; }
        // A classic CSRF: a bodiless form POST that would stop the workspace.
        const form = document.createElement('form'); form.method = 'POST'; form.action = '${cp}/api/workspaces/evil/stop'; form.target = 'sink';
        document.body.append(form);
        frame.onload = () => { results.form = 'submitted'; }; form.submit();
      })();
    </script></body>`;
    await stack.exec(
      'evil',
      `cat > /tmp/evil.html <<'HTML'\n${html}\nHTML\nsetsid node -e "const h=require('fs').readFileSync('/tmp/evil.html');require('http').createServer((q,s)=>{s.setHeader('Content-Type','text/html');s.end(h)}).listen(3000)" >/dev/null 2>&1 &`,
    );
    await expect
      .poll(async () => (await stack.workspaceGet(stack.portUrl('evil', 3000))).status, { timeout: 30_000 })
      .toBe(200);

    const before = (await stack.api('GET', '/api/workspaces')).body.items as { name: string }[];
    await page.goto(stack.portUrl('evil', 3000));
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { results: Record<string, string> }).results), {
        timeout: 30_000,
      })
      .toMatchObject({
        read: 'blocked',
        noCors: 'sent',
        stop: 'sent',
        img: 'done',
        script: 'done',
        form: 'submitted',
      });
    await stack.screenshot(page, '12-attacker-page');

    const after = (await stack.api('GET', '/api/workspaces')).body.items as { name: string }[];
    expect(after.map((w) => w.name)).toEqual(before.map((w) => w.name));
    expect(after.some((w) => w.name.startsWith('pwned'))).toBe(false);
    expect((await stack.api('GET', '/api/workspaces/evil')).body.state).toBe('running');
    // The same bodiless POST from the control plane's own origin is accepted: the origin is what was refused.
    const own = await fetch(`${stack.controlPlane}/api/workspaces/evil/stop`, {
      method: 'POST',
      headers: {
        Authorization: `Basic ${Buffer.from(`${stack.credentials.username}:${stack.credentials.password}`).toString('base64')}`,
        Origin: stack.controlPlane,
        Connection: 'close',
      },
    });
    expect(own.status).toBe(202);
  });
});
