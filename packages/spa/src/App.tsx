import { api, describeError } from './api/client.js';
import { useLiveWorkspaces } from './api/live.js';
import { Notice } from './components/ui.js';
import { CreatePage } from './pages/CreatePage.js';
import { LogsPage } from './pages/LogsPage.js';
import { SettingsPage } from './pages/SettingsPage.js';
import { WorkspacePage } from './pages/WorkspacePage.js';
import { WorkspacesPage } from './pages/WorkspacesPage.js';
import { Link, useRouter } from './router.js';

function Page() {
  const { path } = useRouter();
  const detail = /^\/workspaces\/([a-z0-9-]+)\/?$/.exec(path);
  if (detail?.[1]) return <WorkspacePage key={detail[1]} name={detail[1]} />;
  if (path === '/new') return <CreatePage />;
  if (path === '/settings') return <SettingsPage />;
  if (path === '/logs') return <LogsPage />;
  if (path === '/' || path === '') return <WorkspacesPage />;
  return (
    <section>
      <h1>Not found</h1>
      <Link to="/">Back to workspaces</Link>
    </section>
  );
}

/** Ends the session (on every origin the cookie covers) and shows the sign-in page. */
function signOut(): void {
  api.signOut().then(
    () => window.location.assign('/auth/'),
    (error: unknown) => window.alert(`Signing out failed: ${describeError(error)}`),
  );
}

export function App() {
  const connection = useLiveWorkspaces();
  return (
    <>
      <header className="top">
        <Link to="/" className="brand">
          Rockpool
        </Link>
        <nav aria-label="Main">
          <Link to="/">Workspaces</Link>
          <Link to="/logs">Logs</Link>
          <Link to="/settings">Settings</Link>
        </nav>
        <span className={`live live-${connection}`} role="status" aria-live="polite">
          {connection === 'live' ? 'Live' : connection === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
        </span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main>
        {connection === 'reconnecting' && (
          <Notice kind="info">
            Connection lost. Reconnecting by itself; what you see may be out of date.
          </Notice>
        )}
        <Page />
      </main>
    </>
  );
}
