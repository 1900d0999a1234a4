import { type ReactNode, useState } from 'react';
import type { WorkspacePhase, WorkspaceState } from '../api/client.js';

const STATE_LABEL: Record<WorkspaceState, string> = {
  creating: 'Creating',
  starting: 'Starting',
  running: 'Running',
  stopping: 'Stopping',
  stopped: 'Stopped',
  suspending: 'Suspending',
  suspended: 'Suspended',
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

/** A resume takes the place of the VM's boot. */
const RESUME_STEPS = STEPS.map((step) =>
  step.phase === 'vm_starting' ? { phase: 'vm_resuming' as const, label: 'Resuming the VM' } : step,
);

export function BootProgress({ phase, failed }: { phase: WorkspacePhase; failed: boolean }) {
  const steps = phase === 'vm_resuming' ? RESUME_STEPS : STEPS;
  const current = steps.findIndex((s) => s.phase === phase);
  return (
    <ol className="steps" aria-label="Boot progress">
      {steps.map((step, i) => {
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

/** Bytes as people read them: 1.2 GB, 340 MB ("—" before the worker measured them). */
export function formatBytes(bytes: number | null): string {
  if (bytes === null) return '—';
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
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
