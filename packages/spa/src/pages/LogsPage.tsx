import { useInfiniteQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { type AccessLogEntry, type AccessLogFilters, api, describeError } from '../api/client.js';
import { Notice } from '../components/ui.js';

const EMPTY: AccessLogFilters = { server: '', status: '', user: '', path: '', since: '', until: '' };

/** `<input type="datetime-local">` gives local time without a zone; the API wants ISO. */
const toIso = (local: string | undefined) => (local ? new Date(local).toISOString() : '');

export function LogsPage() {
  const [draft, setDraft] = useState<AccessLogFilters>(EMPTY);
  const [applied, setApplied] = useState<AccessLogFilters>(EMPTY);
  const [live, setLive] = useState(false);
  const query = useInfiniteQuery({
    queryKey: ['access-logs', applied],
    queryFn: ({ pageParam }) =>
      api.accessLogs(
        { ...applied, since: toIso(applied.since), until: toIso(applied.until) },
        pageParam ?? undefined,
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.nextCursor,
    refetchInterval: live ? 5_000 : false,
  });
  const entries = query.data?.pages.flatMap((page) => page.items) ?? [];
  const field = (key: keyof AccessLogFilters) => ({
    id: `logs-${key}`,
    name: key,
    value: draft[key] ?? '',
    onChange: (e: { target: { value: string } }) => setDraft({ ...draft, [key]: e.target.value }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setApplied(draft);
  };
  const filtered = Object.values(applied).some(Boolean);
  return (
    <section>
      <div className="heading">
        <h1>Access logs</h1>
        <div className="inline-form">
          <label>
            <input type="checkbox" checked={live} onChange={(e) => setLive(e.target.checked)} /> Live (every 5
            s)
          </label>
          <button type="button" onClick={() => void query.refetch()} disabled={query.isFetching}>
            {query.isFetching ? 'Refreshing…' : 'Refresh'}
          </button>
        </div>
      </div>
      <form className="filters" aria-label="Filters" onSubmit={submit}>
        <label htmlFor="logs-server">Server</label>
        <select {...field('server')}>
          <option value="">Both</option>
          <option value="control-plane">Control plane</option>
          <option value="workspaces">Workspaces</option>
        </select>
        <label htmlFor="logs-status">Status</label>
        <input {...field('status')} placeholder="404 or 5xx" size={8} />
        <label htmlFor="logs-user">User</label>
        <input {...field('user')} size={10} />
        <label htmlFor="logs-path">Path</label>
        <input {...field('path')} placeholder="/api/* or text" size={16} />
        <label htmlFor="logs-since">From</label>
        <input {...field('since')} type="datetime-local" />
        <label htmlFor="logs-until">To</label>
        <input {...field('until')} type="datetime-local" />
        <button type="submit" className="primary">
          Apply
        </button>
        <button
          type="button"
          onClick={() => {
            setDraft(EMPTY);
            setApplied(EMPTY);
          }}
        >
          Clear
        </button>
      </form>
      {query.error && <Notice kind="error">{describeError(query.error)}</Notice>}
      {query.isSuccess && entries.length === 0 && (
        <p className="empty">{filtered ? 'No requests match these filters.' : 'No requests logged yet.'}</p>
      )}
      {entries.length > 0 && (
        <table className="table logs" aria-label="Access log">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Server</th>
              <th scope="col">User</th>
              <th scope="col">Method</th>
              <th scope="col">Path</th>
              <th scope="col">Status</th>
              <th scope="col">Duration</th>
              <th scope="col">Size</th>
              <th scope="col">Client</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => (
              <LogRow key={entry.id} entry={entry} />
            ))}
          </tbody>
        </table>
      )}
      {query.hasNextPage && (
        <button type="button" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage}>
          {query.isFetchingNextPage ? 'Loading…' : 'Older entries'}
        </button>
      )}
    </section>
  );
}

function LogRow({ entry }: { entry: AccessLogEntry }) {
  return (
    <tr data-status={entry.status} data-server={entry.server}>
      <td>
        <time dateTime={entry.time}>{new Date(entry.time).toLocaleString()}</time>
      </td>
      <td>{entry.server === 'control-plane' ? 'control plane' : 'workspaces'}</td>
      <td>
        {entry.userId ?? <span className="muted">—</span>}
        {entry.adminAccess && (
          <span className="badge" title="An admin opened another user's IDE (ROCKPOOL_ADMIN_IDE_ACCESS)">
            {' '}
            admin in {entry.adminAccess}'s IDE
          </span>
        )}
      </td>
      <td>{entry.method}</td>
      <td className="path" title={entry.userAgent ?? undefined}>
        {entry.path}
      </td>
      <td className={entry.status >= 500 ? 'error-text' : undefined}>{entry.status}</td>
      <td>{entry.durationMs.toFixed(1)} ms</td>
      <td>{entry.size} B</td>
      <td>{entry.remoteIp}</td>
    </tr>
  );
}
