import type { Port, Workspace } from '@rockpool/model';

/**
 * Columns aligned with two spaces between them, a header line first; the last column is not
 * padded, so a long URL never leaves trailing blanks.
 */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ');
  return `${[header, ...rows].map(line).join('\n')}\n`;
}

/** A workspace's state, with the reason when it is `error` (what a user needs to act on). */
const stateOf = (w: Workspace) => (w.state === 'error' && w.error ? `error: ${w.error}` : w.state);

/** `rockpool workspace list`: name, state, owner and IDE URL, one workspace a line. */
export function workspaceTable(workspaces: readonly Workspace[]): string {
  if (workspaces.length === 0) return 'No workspaces. Create one with `rockpool workspace create NAME`.\n';
  return renderTable(
    ['NAME', 'STATE', 'OWNER', 'IDE'],
    workspaces.map((w) => [w.name, stateOf(w), w.owner, w.ideUrl]),
  );
}

const LISTENING = { true: 'yes', false: 'no', null: 'unknown' } as const;

/** `rockpool port list`: port, sharing level, whether an app answers on it, and its URL. */
export function portTable(workspace: string, ports: readonly Port[]): string {
  if (ports.length === 0)
    return `${workspace} forwards no port. Add one with \`rockpool port add ${workspace} PORT\`.\n`;
  return renderTable(
    ['PORT', 'SHARING', 'LISTENING', 'URL'],
    ports.map((p) => [String(p.port), p.sharing, LISTENING[`${p.listening}`], p.url]),
  );
}
