/**
 * The environment the stack's processes (the server and the worker, and the VMs the worker starts)
 * get from `rockpool up`: what a process needs from the system, and Rockpool's own settings, but no
 * secret. The edge's secrets (CADDY_PASSWORD, GITHUB_OAUTH_CLIENT_SECRET, ROCKPOOL_OAUTH_SIGNING_KEY)
 * end up in Caddy's config, which the CLI renders; no other process needs them.
 */
const SYSTEM = ['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'TZ', 'TMPDIR', 'NODE_OPTIONS'];
/** Settings outside Rockpool's ROCKPOOL_ namespace that the worker reads (tart's own variable). */
const OTHER_SETTINGS = ['TART_HOME'];
/** A ROCKPOOL_ variable with one of these in its name holds a secret (ROCKPOOL_OAUTH_SIGNING_KEY). */
const SECRET_NAME = /SECRET|KEY|TOKEN|PASSWORD/;

export function stackProcessEnv(parent: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(parent)) {
    if (value === undefined) continue;
    const passed =
      SYSTEM.includes(name) ||
      name.startsWith('LC_') ||
      OTHER_SETTINGS.includes(name) ||
      (name.startsWith('ROCKPOOL_') && !SECRET_NAME.test(name));
    if (passed) env[name] = value;
  }
  return env;
}
