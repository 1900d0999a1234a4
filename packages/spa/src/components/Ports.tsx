import { PORT_SHARING_LEVELS, type PortSharing, portProblem } from '@rockpool/model';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, describeError, type Port, type Workspace } from '../api/client.js';
import { Notice } from './ui.js';

/** What each level means, as the select shows it. */
const SHARING_LABELS: Record<PortSharing, string> = {
  private: 'Private (only you)',
  authenticated: 'Signed-in users',
  public: 'Public (no sign-in)',
};

function SharingSelect({
  id,
  value,
  onChange,
  disabled,
  label,
}: {
  id: string;
  value: PortSharing;
  onChange: (sharing: PortSharing) => void;
  disabled?: boolean;
  label: string;
}) {
  return (
    <select
      id={id}
      aria-label={label}
      value={value}
      disabled={disabled}
      onChange={(e) => onChange(e.target.value as PortSharing)}
    >
      {PORT_SHARING_LEVELS.map((level) => (
        <option key={level} value={level}>
          {SHARING_LABELS[level]}
        </option>
      ))}
    </select>
  );
}

/** A workspace's forwarded ports: each with who may reach it; add, share, remove. */
export function Ports({ workspace }: { workspace: Workspace }) {
  const [value, setValue] = useState('');
  const [sharing, setSharing] = useState<PortSharing>('private');
  const port = Number(value);
  const problem = value === '' ? undefined : portProblem(Number.isInteger(port) ? port : Number.NaN);
  const add = useMutation({
    mutationFn: () => api.addPort(workspace.name, port, sharing),
    onSuccess: () => setValue(''),
  });
  const share = useMutation({
    mutationFn: (change: { port: number; sharing: PortSharing }) =>
      api.setPortSharing(workspace.name, change.port, change.sharing),
  });
  const remove = useMutation({ mutationFn: (p: number) => api.removePort(workspace.name, p) });
  const full = workspace.ports.length >= 5;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (value !== '' && !problem) add.mutate();
  };
  const error = add.error ?? share.error ?? remove.error;
  return (
    <section aria-labelledby="ports-heading">
      <h2 id="ports-heading">Forwarded ports</h2>
      {workspace.ports.length === 0 && (
        <p className="muted">No ports yet. Forward one to reach an app running in the workspace.</p>
      )}
      <ul className="ports">
        {workspace.ports.map((p) => (
          <PortRow
            key={p.port}
            port={p}
            onShare={(level) => share.mutate({ port: p.port, sharing: level })}
            onRemove={() => remove.mutate(p.port)}
            busy={remove.isPending || share.isPending}
          />
        ))}
      </ul>
      {error && <Notice kind="error">{describeError(error)}</Notice>}
      <form className="inline-form" onSubmit={submit} noValidate>
        <label htmlFor="port">Port</label>
        <input
          id="port"
          inputMode="numeric"
          value={value}
          placeholder="3000"
          aria-invalid={Boolean(problem)}
          aria-describedby="port-help"
          disabled={full}
          onChange={(e) => setValue(e.target.value.trim())}
        />
        <SharingSelect
          id="port-sharing"
          label="Shared with"
          value={sharing}
          onChange={setSharing}
          disabled={full}
        />
        <button type="submit" disabled={full || add.isPending || value === '' || Boolean(problem)}>
          Add port
        </button>
        <p id="port-help" className={problem ? 'error-text' : 'muted'}>
          {full
            ? 'A workspace forwards at most 5 ports.'
            : problem
              ? `${problem}.`
              : '1–65535; at most 5 per workspace. Private ports reach only you.'}
        </p>
      </form>
    </section>
  );
}

function PortRow({
  port,
  onShare,
  onRemove,
  busy,
}: {
  port: Port;
  onShare: (sharing: PortSharing) => void;
  onRemove: () => void;
  busy: boolean;
}) {
  const live =
    port.listening === true ? 'listening' : port.listening === false ? 'not listening (502)' : 'checking…';
  return (
    <li className="port" data-port={port.port} data-sharing={port.sharing}>
      <span
        className={`dot dot-${port.listening === true ? 'on' : port.listening === false ? 'off' : 'unknown'}`}
        aria-hidden
      />
      <strong>{port.port}</strong>
      <span className="muted" data-testid="port-status">
        {live}
      </span>
      <a href={port.url} target="_blank" rel="noreferrer">
        {port.url}
      </a>
      <SharingSelect
        id={`sharing-${port.port}`}
        label={`Who may reach port ${port.port}`}
        value={port.sharing}
        onChange={onShare}
        disabled={busy}
      />
      <button type="button" onClick={onRemove} disabled={busy} aria-label={`Remove port ${port.port}`}>
        Remove
      </button>
    </li>
  );
}
