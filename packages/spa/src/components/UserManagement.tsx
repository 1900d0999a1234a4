import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, describeError, type User, type UserRole } from '../api/client.js';
import { Notice } from './ui.js';

/** Add a basic-auth user (admins); a generated password is shown this once. */
export function AddUserForm() {
  const client = useQueryClient();
  const [name, setName] = useState('');
  const [role, setRole] = useState<UserRole>('member');
  const [password, setPassword] = useState('');
  const [generated, setGenerated] = useState<{ name: string; password: string }>();
  const add = useMutation({
    mutationFn: () => api.addUser({ name, role, ...(password ? { password } : {}) }),
    onSuccess: (user) => {
      setGenerated(user.password ? { name: user.name, password: user.password } : undefined);
      setName('');
      setPassword('');
      void client.invalidateQueries({ queryKey: ['users'] });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    add.mutate();
  };
  return (
    <form onSubmit={submit} aria-label="Add a user">
      <label>
        Name <input value={name} onChange={(e) => setName(e.target.value)} required autoComplete="off" />
      </label>{' '}
      <label>
        Role{' '}
        <select value={role} onChange={(e) => setRole(e.target.value as UserRole)}>
          <option value="member">member</option>
          <option value="admin">admin</option>
        </select>
      </label>{' '}
      <label>
        Password (empty: generate one){' '}
        <input
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </label>{' '}
      <button type="submit" disabled={add.isPending}>
        {add.isPending ? 'Adding…' : 'Add user'}
      </button>
      {add.error && <Notice kind="error">{describeError(add.error)}</Notice>}
      {generated && (
        <Notice kind="info">
          {generated.name}'s password, shown this once: <code>{generated.password}</code>
        </Notice>
      )}
    </form>
  );
}

/** An admin's controls on one basic-auth user: change the role, remove. */
export function UserActions({ user, self }: { user: User; self: boolean }) {
  const client = useQueryClient();
  const done = () => void client.invalidateQueries({ queryKey: ['users'] });
  const setRole = useMutation({
    mutationFn: (role: UserRole) => api.updateUser(user.name, { role }),
    onSuccess: done,
  });
  const remove = useMutation({ mutationFn: () => api.removeUser(user.name), onSuccess: done });
  if (user.source !== 'basic') return null;
  const error = setRole.error ?? remove.error;
  return (
    <>
      <select
        aria-label={`Role of ${user.name}`}
        value={user.role}
        disabled={setRole.isPending}
        onChange={(e) => setRole.mutate(e.target.value as UserRole)}
      >
        <option value="member">member</option>
        <option value="admin">admin</option>
      </select>{' '}
      <button
        type="button"
        disabled={remove.isPending || self}
        title={self ? 'You cannot remove yourself here' : undefined}
        onClick={() => {
          if (window.confirm(`Remove ${user.name}? They are signed out at once.`)) remove.mutate();
        }}
      >
        Remove
      </button>
      {error && <Notice kind="error">{describeError(error)}</Notice>}
    </>
  );
}
