import type { Workspace } from '@rockpool/db';

/** Set on every answer of the wake handler: the page's poll moves on once an answer lacks it. */
export const WAKING_HEADER = 'X-Rockpool-Waking';
/** The waking page's poll sets it: a poll may have to start a workspace that was still going to sleep. */
export const WAKE_HEADER = 'X-Rockpool-Wake';
/** How long a client should wait before asking again (seconds): a resume takes about one. */
export const RETRY_AFTER_SECONDS = 2;

/** What the page says about the workspace in its current state. */
export function wakeMessage(workspace: Pick<Workspace, 'name' | 'state' | 'phase' | 'error'>): {
  title: string;
  detail: string;
} {
  const { name, state } = workspace;
  if (state === 'error')
    return {
      title: `${name} could not start`,
      detail: `${workspace.error ?? 'It failed.'} Start it again from the dashboard.`,
    };
  if (state === 'deleting') return { title: `${name} is being deleted`, detail: '' };
  if (state === 'stopping' || state === 'suspending')
    return { title: `${name} is going to sleep`, detail: 'It starts again as soon as it has.' };
  const resuming = state === 'suspended' || workspace.phase === 'vm_resuming';
  return {
    title: `${resuming ? 'Resuming' : 'Starting'} ${name}…`,
    detail: 'This page moves on by itself when the IDE answers.',
  };
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The page a browser sees while its workspace wakes: it asks for the same URL again every second
 * (a request the wake handler answers while the workspace is not routed to its VM yet) and
 * reloads once the answer no longer comes from the wake handler. Without JavaScript, it refreshes.
 */
export function wakePage(message: { title: string; detail: string }): string {
  const title = escapeHtml(message.title);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<noscript><meta http-equiv="refresh" content="${RETRY_AFTER_SECONDS}"></noscript>
<style>
body { font: 16px system-ui, sans-serif; display: grid; place-items: center; min-height: 90vh; color: #222; }
p { color: #666; }
</style>
</head>
<body>
<main>
<h1>${title}</h1>
<p>${escapeHtml(message.detail)}</p>
</main>
<script>
(function poll() {
  setTimeout(function () {
    fetch(location.href, { cache: 'no-store', headers: { Accept: 'text/html', '${WAKE_HEADER}': '1' } })
      .then(function (res) {
        if (!res.headers.has('${WAKING_HEADER.toLowerCase()}')) location.reload();
        else poll();
      }, poll);
  }, 1000);
})();
</script>
</body>
</html>
`;
}
