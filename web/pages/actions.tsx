// Retry, hold, release and delete buttons of a message (POST /v1/messages/:id/<action>, DELETE).
import { useState } from 'preact/hooks';
import { api } from '../api';

export function MessageActions({ id, state, onDone }: { id: string; state: string; onDone(action: string): void }) {
  const [error, setError] = useState('');
  const run = async (action: 'retry' | 'hold' | 'release' | 'delete') => {
    if (action === 'delete' && !confirm(`Delete message ${id} and all its undelivered recipients?`)) return;
    setError('');
    try {
      if (action === 'delete') await api('DELETE', `/v1/messages/${encodeURIComponent(id)}`);
      else await api('POST', `/v1/messages/${encodeURIComponent(id)}/${action}`, {});
      onDone(action);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <span class="actions">
      <button type="button" onClick={() => run('retry')}>Retry</button>
      {state === 'held'
        ? <button type="button" onClick={() => run('release')}>Release</button>
        : <button type="button" onClick={() => run('hold')}>Hold</button>}
      <button type="button" class="danger" onClick={() => run('delete')}>Delete</button>
      {error && <span class="error" role="alert">{error}</span>}
    </span>
  );
}
