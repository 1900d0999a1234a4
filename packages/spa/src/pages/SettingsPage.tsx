import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, describeError } from '../api/client.js';
import { AddUserForm, UserActions } from '../components/UserManagement.js';
import { Notice } from '../components/ui.js';

const MIN_PASSWORD = 8;

/** Asks for the .p12's password, then downloads the certificate. */
function CertificateForm({ name, onDone }: { name: string; onDone: () => void }) {
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (password.length < MIN_PASSWORD) {
      setError(`The password needs at least ${MIN_PASSWORD} characters.`);
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const blob = await api.clientCertificate(name, password);
      const link = document.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = `${name}.p12`;
      link.click();
      URL.revokeObjectURL(link.href);
      onDone();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} aria-label={`Client certificate for ${name}`}>
      <label>
        Password for {name}.p12 (asked when you import it){' '}
        <input
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          // biome-ignore lint/a11y/noAutofocus: the form opens on request; the field is what comes next
          autoFocus
        />
      </label>{' '}
      <button type="submit" disabled={busy}>
        {busy ? 'Creating…' : 'Download .p12'}
      </button>{' '}
      <button type="button" onClick={onDone}>
        Cancel
      </button>
      {error && <Notice kind="error">{error}</Notice>}
    </form>
  );
}

export function SettingsPage() {
  const me = useQuery({ queryKey: ['me'], queryFn: api.me });
  const users = useQuery({ queryKey: ['users'], queryFn: api.users });
  const [certFor, setCertFor] = useState<string>();
  const error = me.error ?? users.error;
  const admin = me.data?.role === 'admin';
  return (
    <section>
      <h1>Settings</h1>
      <h2>Users</h2>
      {error && <Notice kind="error">{describeError(error)}</Notice>}
      <table className="table">
        <thead>
          <tr>
            <th scope="col">User</th>
            <th scope="col">Role</th>
            <th scope="col">Signed in</th>
            {admin && <th scope="col">Manage</th>}
            {users.data?.clientCertificates && <th scope="col">Client certificate</th>}
          </tr>
        </thead>
        <tbody>
          {(users.data?.items ?? []).map((user) => {
            const { name } = user;
            return (
              <tr key={name}>
                <td>{name}</td>
                <td>{user.role}</td>
                <td>{name === me.data?.user ? 'yes (this browser)' : ''}</td>
                {admin && (
                  <td>
                    <UserActions user={user} self={name === me.data?.user} />
                  </td>
                )}
                {users.data?.clientCertificates && (
                  <td>
                    {certFor === name ? (
                      <CertificateForm name={name} onDone={() => setCertFor(undefined)} />
                    ) : (
                      <button type="button" onClick={() => setCertFor(name)}>
                        Cert
                      </button>
                    )}
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
      {admin && <AddUserForm />}
      <p className="muted">
        Basic-auth users are added here by an admin or with <code>rockpool user add</code>; they can sign in
        as soon as they are added. GitHub users come from the allow list, admins among them from
        ROCKPOOL_ADMINS. A member sees their own workspaces; an admin sees everyone's.
        {users.data?.clientCertificates &&
          ' This Rockpool requires a client certificate (mtls-app): Cert creates one, valid for a year, to import into a browser.'}
      </p>
    </section>
  );
}
