import type { Workspace, WorkspaceEvent } from '@rockpool/model';
import { type QueryClient, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';

export const workspaceKeys = {
  all: ['workspaces'] as const,
  one: (name: string) => ['workspaces', name] as const,
};

/** Applies one pushed change to the query cache, so every page shows it at once. */
export function applyEvent(client: QueryClient, event: WorkspaceEvent): void {
  if (event.type === 'snapshot') {
    client.setQueryData(workspaceKeys.all, event.workspaces);
    for (const w of event.workspaces) client.setQueryData(workspaceKeys.one(w.name), w);
    return;
  }
  const list = client.getQueryData<Workspace[]>(workspaceKeys.all) ?? [];
  if (event.type === 'workspace') {
    const next = list.some((w) => w.id === event.workspace.id)
      ? list.map((w) => (w.id === event.workspace.id ? event.workspace : w))
      : [...list, event.workspace].sort((a, b) => a.name.localeCompare(b.name));
    client.setQueryData(workspaceKeys.all, next);
    client.setQueryData(workspaceKeys.one(event.workspace.name), event.workspace);
    return;
  }
  const gone = list.find((w) => w.id === event.id);
  client.setQueryData(
    workspaceKeys.all,
    list.filter((w) => w.id !== event.id),
  );
  if (gone) client.setQueryData(workspaceKeys.one(gone.name), null);
}

export type Connection = 'connecting' | 'live' | 'reconnecting';

/** Subscribes to /api/events; EventSource reconnects by itself after a network loss. */
export function useLiveWorkspaces(): Connection {
  const client = useQueryClient();
  const [connection, setConnection] = useState<Connection>('connecting');
  useEffect(() => {
    const source = new EventSource('/api/events');
    const handle = (message: MessageEvent<string>) =>
      applyEvent(client, JSON.parse(message.data) as WorkspaceEvent);
    for (const type of ['snapshot', 'workspace', 'removed']) source.addEventListener(type, handle);
    source.onopen = () => setConnection('live');
    source.onerror = () => setConnection('reconnecting');
    return () => source.close();
  }, [client]);
  return connection;
}
