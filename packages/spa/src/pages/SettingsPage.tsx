import { useQuery } from '@tanstack/react-query';
import { api, describeError } from '../api/client.js';
import { Notice } from '../components/ui.js';

export function SettingsPage() {
  const me = useQuery({ queryKey: ['me'], queryFn: api.me });
  return (
    <section>
      <h1>Settings</h1>
      <h2>Users</h2>
      {me.error && <Notice kind="error">{describeError(me.error)}</Notice>}
      <table className="table">
        <thead>
          <tr>
            <th scope="col">User</th>
            <th scope="col">Signed in</th>
          </tr>
        </thead>
        <tbody>
          {me.data && (
            <tr>
              <td>{me.data.user}</td>
              <td>yes (this browser)</td>
            </tr>
          )}
        </tbody>
      </table>
      <p className="muted">
        Users are configured at the edge (CADDY_USERNAME / CADDY_PASSWORD, or GitHub OAuth).
      </p>
    </section>
  );
}
