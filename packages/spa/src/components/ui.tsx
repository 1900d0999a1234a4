import { type ReactNode, useState } from 'react';
import type { WorkspacePhase, WorkspaceState } from '../api/client.js';

const STATE_LABEL: Record<WorkspaceState, string> = {
  creating: 'Creating',
  starting: 'Starting',
  running: 'Running',
  stopping: 'Stopping',
  stopped: 'Stopped',
  deleting: 'Deleting',
  error: 'Error',
};

export function StateBadge({ state }: { state: WorkspaceState }) {
  return (
    <span className={`badge badge-${state}`} data-testid="state">
      {STATE_LABEL[state]}
    </span>
  );
}

/** The steps a workspace goes through while it boots, in order. */
const STEPS: { phase: WorkspacePhase; label: string }[] = [
  { phase: 'queued', label: 'Queued' },
  { phase: 'vm_creating', label: 'Creating the VM' },
  { phase: 'vm_starting', label: 'Starting the VM' },
  { phase: 'ide_starting', label: 'Starting the IDE' },
  { phase: 'routing', label: 'Routing' },
  { phase: 'ready', label: 'Ready' },
];

export function BootProgress({ phase, failed }: { phase: WorkspacePhase; failed: boolean }) {
  const current = STEPS.findIndex((s) => s.phase === phase);
  return (
    <ol className="steps" aria-label="Boot progress">
      {STEPS.map((step, i) => {
        const status =
          failed && i >= current
            ? 'todo'
            : i < current || phase === 'ready'
              ? 'done'
              : i === current
                ? 'now'
                : 'todo';
        return (
          <li
            key={step.phase}
            className={`step step-${status}`}
            aria-current={status === 'now' ? 'step' : undefined}
          >
            {step.label}
          </li>
        );
      })}
    </ol>
  );
}

export function Notice({ kind, children }: { kind: 'error' | 'info'; children: ReactNode }) {
  return (
    <p className={`notice notice-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </p>
  );
}

/** A button that asks once more before doing something that cannot be undone. */
export function ConfirmButton({
  label,
  confirmLabel,
  onConfirm,
  disabled,
  danger,
}: {
  label: string;
  confirmLabel: string;
  onConfirm: () => void;
  disabled?: boolean;
  danger?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking)
    return (
      <button
        type="button"
        className={danger ? 'danger' : ''}
        disabled={disabled}
        onClick={() => setAsking(true)}
      >
        {label}
      </button>
    );
  return (
    <fieldset className="confirm">
      <legend>{confirmLabel}</legend>
      <button
        type="button"
        className={danger ? 'danger' : 'primary'}
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        Yes
      </button>
      <button type="button" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </fieldset>
  );
}
