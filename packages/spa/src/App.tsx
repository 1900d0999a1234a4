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
