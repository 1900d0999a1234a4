import { useQuery } from '@tanstack/react-query';
import { api, describeError, type Workspace } from '../api/client.js';
import { workspaceKeys } from '../api/live.js';
import { IdleText } from '../components/idle.js';
import { formatBytes, Notice, StateBadge } from '../components/ui.js';
import { Link } from '../router.js';

export function WorkspacesPage() {
  const query = useQuery({
    queryKey: workspaceKeys.all,
    queryFn: async () => (await api.listWorkspaces()).items,
    // Kept fresh by the event stream, not by polling.
    staleTime: Number.POSITIVE_INFINITY,
  });
  const me = useQuery({ queryKey: ['me'], queryFn: api.me });
  const showOwner = me.data?.role === 'admin';
  return (
    <section>
      <div className="heading">
        <h1>Workspaces</h1>
        <Link to="/new" className="button primary">
          New workspace
        </Link>
      </div>
      {query.error && <Notice kind="error">{describeError(query.error)}</Notice>}
      {query.data && query.data.length === 0 && (
        <p className="empty">No workspaces yet. Create one to get VS Code in your browser.</p>
      )}
      {query.data && query.data.length > 0 && (
        <ul className="cards" aria-label="Workspaces">
          {query.data.map((w) => (
            <WorkspaceCard key={w.id} workspace={w} showOwner={showOwner} />
          ))}
        </ul>
      )}
    </section>
  );
}

/** An admin sees everyone's workspaces: each card then says whose it is. */
function WorkspaceCard({ workspace, showOwner }: { workspace: Workspace; showOwner: boolean }) {
  return (
    <li className="card" data-workspace={workspace.name}>
      <div className="card-title">
        <Link to={`/workspaces/${workspace.name}`}>{workspace.name}</Link>
        <StateBadge state={workspace.state} />
      </div>
      <p className="muted">
        {workspace.cpus} CPU · {workspace.memoryMiB} MiB · {workspace.ports.length} port
        {workspace.ports.length === 1 ? '' : 's'} ·{' '}
        <span data-testid="disk">{formatBytes(workspace.diskBytes)} on disk</span>
        {workspace.state === 'running' && workspace.activeAt && (
          <>
            {' '}
            · <IdleText workspace={workspace} />
          </>
        )}
        {showOwner && (
          <>
            {' '}
            · owner <span className="owner">{workspace.owner}</span>
          </>
        )}
      </p>
      {workspace.state === 'running' && (
        <a href={workspace.ideUrl} target="_blank" rel="noreferrer">
          Open IDE
        </a>
      )}
      {workspace.state === 'error' && <p className="error-text">{workspace.error}</p>}
    </li>
  );
}
