import {
  DEFAULT_IDLE_TIMEOUT_MINUTES,
  MAX_IDLE_TIMEOUT_MINUTES,
  workspaceNameProblem,
} from '@rockpool/model';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, describeError } from '../api/client.js';
import { Notice } from '../components/ui.js';
import { useRouter } from '../router.js';

export function CreatePage() {
  const { navigate } = useRouter();
  const [name, setName] = useState('');
  const [touched, setTouched] = useState(false);
  const [idle, setIdle] = useState(String(DEFAULT_IDLE_TIMEOUT_MINUTES));
  const idleMinutes = Number(idle);
  const idleValid =
    idle !== '' &&
    Number.isInteger(idleMinutes) &&
    idleMinutes >= 0 &&
    idleMinutes <= MAX_IDLE_TIMEOUT_MINUTES;
  // The same rule the server applies (imported from @rockpool/model), checked as you type.
  const problem = workspaceNameProblem(name);
  const create = useMutation({
    mutationFn: () => api.createWorkspace({ name, idleTimeoutMinutes: idleMinutes }),
    onSuccess: (workspace) => navigate(`/workspaces/${workspace.name}`),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (!problem && idleValid) create.mutate();
  };
  const showProblem = touched && name.length > 0 && problem;
  return (
    <section>
      <h1>New workspace</h1>
      <form onSubmit={submit} noValidate className="form">
        <label htmlFor="name">Name</label>
        <input
          id="name"
          name="name"
          value={name}
          autoComplete="off"
          spellCheck={false}
          aria-invalid={Boolean(showProblem)}
          aria-describedby="name-help"
          onChange={(e) => {
            setName(e.target.value);
            setTouched(true);
          }}
        />
        <p id="name-help" className={showProblem ? 'error-text' : 'muted'}>
          {showProblem
            ? `${problem[0]?.toUpperCase()}${problem.slice(1)}.`
            : 'Lowercase letters, digits and hyphens, e.g. my-app.'}
        </p>
        <label htmlFor="idle-timeout">Idle timeout (minutes)</label>
        <input
          id="idle-timeout"
          type="number"
          min={0}
          max={MAX_IDLE_TIMEOUT_MINUTES}
          value={idle}
          aria-invalid={!idleValid}
          aria-describedby="idle-help"
          onChange={(e) => setIdle(e.target.value)}
        />
        <p id="idle-help" className={idleValid ? 'muted' : 'error-text'}>
          {idleValid
            ? 'Suspended after this long without use (its memory kept); opening it resumes it. 0 = never.'
            : `A whole number of minutes from 0 to ${MAX_IDLE_TIMEOUT_MINUTES}.`}
        </p>
        {create.error && <Notice kind="error">{describeError(create.error)}</Notice>}
        <button
          type="submit"
          className="primary"
          disabled={create.isPending || Boolean(problem) || !idleValid}
        >
          {create.isPending ? 'Creating…' : 'Create workspace'}
        </button>
      </form>
    </section>
  );
}
