import { useMutation, useQuery } from '@tanstack/react-query';
import { api, describeError, type Workspace, type WorkspaceAction } from '../api/client.js';
import { workspaceKeys } from '../api/live.js';
import { IdleText, IdleTimeoutForm } from '../components/idle.js';
import { Ports } from '../components/Ports.js';
import { BootProgress, ConfirmButton, formatBytes, Notice, StateBadge } from '../components/ui.js';
import { Link, useRouter } from '../router.js';

export function WorkspacePage({ name }: { name: string }) {
  const query = useQuery({
    queryKey: workspaceKeys.one(name),
    queryFn: () => api.getWorkspace(name),
    staleTime: Number.POSITIVE_INFINITY,
    retry: false,
  });
  if (query.error) return <Notice kind="error">{describeError(query.error)}</Notice>;
  if (query.data === null)
    return (
      <section>
        <Notice kind="info">Workspace {name} was deleted.</Notice>
        <Link to="/">Back to workspaces</Link>
      </section>
    );
  if (!query.data) return <p className="muted">Loading…</p>;
  return <WorkspaceDetail workspace={query.data} />;
}

function WorkspaceDetail({ workspace }: { workspace: Workspace }) {
  const { navigate } = useRouter();
  const act = useMutation({
    mutationFn: (action: WorkspaceAction) =>
      action === 'delete' ? api.deleteWorkspace(workspace.name) : api.act(workspace.name, action),
    onSuccess: (_, action) => {
      if (action === 'delete') navigate('/');
    },
  });
  const booting = workspace.state === 'creating' || workspace.state === 'starting';
  const can = (action: WorkspaceAction) => workspace.actions.includes(action) && !act.isPending;
  return (
    <section>
      <div className="heading">
        <h1>{workspace.name}</h1>
        <StateBadge state={workspace.state} />
      </div>
      {(booting || workspace.state === 'error') && (
        <BootProgress phase={workspace.phase} failed={workspace.state === 'error'} />
      )}
      {workspace.state === 'error' && (
        <Notice kind="error">
          {workspace.error ?? 'The workspace failed.'} Start it again to retry, or delete it.
        </Notice>
      )}
      {workspace.notice && <Notice kind="info">{workspace.notice}</Notice>}
      {act.error && <Notice kind="error">{describeError(act.error)}</Notice>}
      <div className="actions">
        {workspace.state === 'running' ? (
          <a className="button primary" href={workspace.ideUrl} target="_blank" rel="noreferrer">
            Open IDE
          </a>
        ) : null}
        {workspace.actions.includes('start') && (
          <button
            type="button"
            className={workspace.state === 'error' ? 'primary' : ''}
            disabled={!can('start')}
            onClick={() => act.mutate('start')}
          >
            {workspace.state === 'error' ? 'Retry' : workspace.state === 'suspended' ? 'Resume' : 'Start'}
          </button>
        )}
        {workspace.actions.includes('suspend') && (
          <button
            type="button"
            disabled={!can('suspend')}
            title="Saves its memory to disk and frees CPU and RAM; Resume brings editors, terminals and processes back as they were"
            onClick={() => act.mutate('suspend')}
          >
            Suspend
          </button>
        )}
        {workspace.actions.includes('stop') && (
          <ConfirmButton
            label={workspace.state === 'suspended' ? 'Shut down' : 'Stop'}
            confirmLabel={
              workspace.state === 'suspended'
                ? `Shut ${workspace.name} down? Its saved memory is discarded: the next start boots afresh.`
                : `Stop ${workspace.name}? Open editors disconnect, and running processes end.`
            }
            disabled={!can('stop')}
            onConfirm={() => act.mutate('stop')}
          />
        )}
        {workspace.actions.includes('delete') && (
          <ConfirmButton
            danger
            label="Delete"
            confirmLabel={`Delete ${workspace.name} and its disk? This cannot be undone.`}
            disabled={!can('delete')}
            onConfirm={() => act.mutate('delete')}
          />
        )}
      </div>
      <dl className="facts">
        <dt>IDE</dt>
        <dd>
          <code>{workspace.ideUrl}</code>
        </dd>
        <dt>Resources</dt>
        <dd>
          {workspace.cpus} CPU, {workspace.memoryMiB} MiB
        </dd>
        <dt>Disk</dt>
        <dd data-testid="disk">
          {formatBytes(workspace.diskBytes)}
          {workspace.state === 'suspended' && ' (disk and saved memory; no CPU or RAM in use)'}
        </dd>
        <dt>Idle</dt>
        <dd>
          {workspace.state === 'running' ? (
            <IdleText workspace={workspace} />
          ) : (
            <span className="muted">
              {workspace.state === 'suspended' || workspace.state === 'stopped'
                ? 'opening its IDE or a port starts it'
                : '—'}
            </span>
          )}
          <IdleTimeoutForm workspace={workspace} />
        </dd>
        <dt>Owner</dt>
        <dd>{workspace.owner}</dd>
      </dl>
      <Ports workspace={workspace} />
    </section>
  );
}
