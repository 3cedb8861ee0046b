// Sign-in: the admin password (http.adminPasswordEnv) or an admin/read API key -> a session cookie.
import { useState } from 'preact/hooks';
import { api, ApiFailure } from '../api';

export function SignIn({ onSignedIn }: { onSignedIn(s: { scope: string; expiresAt: string | null }): void }) {
  const [mode, setMode] = useState<'password' | 'apiKey'>('password');
  const [secret, setSecret] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      onSignedIn(await api('POST', '/v1/session', { [mode]: secret }));
    } catch (err) {
      setError(err instanceof ApiFailure ? err.message : 'Petrel did not answer');
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="signin card" onSubmit={submit}>
      <h1>Petrel</h1>
      <p class="muted">Sign in to the dashboard.</p>
      <div class="tabs">
        <button type="button" class={mode === 'password' ? 'active' : ''} onClick={() => setMode('password')}>Password</button>
        <button type="button" class={mode === 'apiKey' ? 'active' : ''} onClick={() => setMode('apiKey')}>API key</button>
      </div>
      <label>
        {mode === 'password' ? 'Admin password' : 'API key (admin or read)'}
        <input type="password" name={mode} autoComplete={mode === 'password' ? 'current-password' : 'off'} value={secret}
          onInput={(e) => setSecret((e.target as HTMLInputElement).value)} required autoFocus />
      </label>
      {error && <p class="error" role="alert">{error}</p>}
      <button type="submit" class="primary" disabled={busy}>Sign in</button>
    </form>
  );
}
