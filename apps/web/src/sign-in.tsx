// Sign in with an API token: checked against GET /api/v1/me before it is kept.
import { useState } from 'preact/hooks';
import { apiClient, type Me } from './api.js';
import { message } from './hooks.js';

export function SignIn({ onSignedIn, notice }: { onSignedIn: (token: string, me: Me) => void; notice: string | null }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(notice);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      const me = await apiClient(token.trim())<Me>('GET', '/api/v1/me');
      onSignedIn(token.trim(), me);
    } catch (failure) {
      setError(message(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="sign-in">
      <h1>Tarmac</h1>
      <form onSubmit={submit}>
        <label for="token">API token</label>
        <input id="token" name="token" type="password" autocomplete="off" value={token} onInput={(e) => setToken((e.target as HTMLInputElement).value)} />
        <button type="submit" disabled={busy || token.trim() === ''}>
          Sign in
        </button>
        {error ? <p class="error" role="alert">{error}</p> : null}
        <p class="hint">Kept for this tab only (session storage). Create one with POST /api/v1/users/NAME/tokens.</p>
      </form>
    </main>
  );
}
