import { describeIdle, MAX_IDLE_TIMEOUT_MINUTES } from '@rockpool/model';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { api, describeError, type Workspace } from '../api/client.js';
import { Notice } from './ui.js';

/** The time now, again every `everyMs`: idle time moves on between the server's updates. */
function useNow(everyMs = 15_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** "idle for 12 min, suspends in 48 min" for a running workspace; nothing otherwise. */
export function IdleText({ workspace }: { workspace: Workspace }) {
  const text = describeIdle(workspace, useNow());
  return text ? <span data-testid="idle">{text}</span> : null;
}

/** What "0 minutes" and the rest mean, for the timeout's label. */
function describeTimeout(minutes: number): string {
  return minutes === 0 ? 'never suspends when idle' : `suspends after ${minutes} min without activity`;
}

/** The idle timeout, changed in place (PATCH); the change shows when the server's update arrives. */
export function IdleTimeoutForm({ workspace }: { workspace: Workspace }) {
  const [value, setValue] = useState(String(workspace.idleTimeoutMinutes));
  const minutes = Number(value);
  const valid =
    value !== '' && Number.isInteger(minutes) && minutes >= 0 && minutes <= MAX_IDLE_TIMEOUT_MINUTES;
  const save = useMutation({
    mutationFn: () => api.updateWorkspace(workspace.name, { idleTimeoutMinutes: minutes }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (valid) save.mutate();
  };
  return (
    <form className="inline-form" onSubmit={submit} noValidate>
      <label htmlFor="idle-timeout">Idle timeout (minutes, 0 = never)</label>
      <input
        id="idle-timeout"
        type="number"
        min={0}
        max={MAX_IDLE_TIMEOUT_MINUTES}
        value={value}
        aria-invalid={!valid}
        onChange={(e) => setValue(e.target.value)}
      />
      <button type="submit" disabled={!valid || save.isPending || minutes === workspace.idleTimeoutMinutes}>
        Save
      </button>
      <span className="muted"> {describeTimeout(workspace.idleTimeoutMinutes)}</span>
      {!valid && (
        <p className="error-text">A whole number of minutes from 0 to {MAX_IDLE_TIMEOUT_MINUTES}.</p>
      )}
      {save.error && <Notice kind="error">{describeError(save.error)}</Notice>}
    </form>
  );
}
