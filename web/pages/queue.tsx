// The queue: messages newest first (GET /v1/messages) filtered by recipient state and domain, with
// the operator's actions on each.
import { useEffect, useState } from 'preact/hooks';
import { api, qs, when, type MessageSummary, type Page } from '../api';
import { MessageActions } from './actions';

const STATES = ['', 'queued', 'deferred', 'throttled', 'active', 'held', 'delivered', 'relayed', 'bounced', 'expired', 'stored', 'suppressed'];

export function Queue() {
  const [state, setState] = useState('');
  const [domain, setDomain] = useState('');
  const [rows, setRows] = useState<MessageSummary[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');

  const load = async (cursor?: string) => {
    setError('');
    try {
      const page = await api<Page<MessageSummary>>('GET', `/v1/messages${qs({ state, domain: domain.trim(), cursor, limit: 50 })}`);
      setRows((old) => (cursor ? [...old, ...page.data] : page.data));
      setNext(page.nextCursor);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  useEffect(() => void load(), [state]);

  return (
    <section>
      <h2>Queue</h2>
      <form class="filters" onSubmit={(e) => { e.preventDefault(); void load(); }}>
        <label>State
          <select name="state" value={state} onChange={(e) => setState((e.target as HTMLSelectElement).value)}>
            {STATES.map((s) => <option value={s}>{s || 'any'}</option>)}
          </select>
        </label>
        <label>Recipient domain
          <input name="domain" value={domain} placeholder="example.com" onInput={(e) => setDomain((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit">Filter</button>
        <button type="button" onClick={() => void load()}>Refresh</button>
      </form>
      {error && <p class="error">{error}</p>}
      {notice && <p class="notice">{notice}</p>}
      <table class="card">
        <thead><tr><th>Id</th><th>Received</th><th>From</th><th>Recipients</th><th>State</th><th /></tr></thead>
        <tbody>
          {rows.map((m) => (
            <tr key={m.id}>
              <td><a href={`#/messages/${encodeURIComponent(m.id)}`} class="mono">{m.id}</a></td>
              <td>{when(m.receivedAt)}</td>
              <td>{m.sender || '<>'}</td>
              <td>{m.recipients.map((r) => <div>{r.address} <span class={`badge ${r.state}`}>{r.state}</span></div>)}</td>
              <td><span class={`badge ${m.state}`}>{m.state}</span></td>
              <td><MessageActions id={m.id} state={m.state} onDone={(a) => { setNotice(`${a}: ${m.id}`); void load(); }} /></td>
            </tr>
          ))}
          {rows.length === 0 && <tr><td colSpan={6} class="muted">No messages match.</td></tr>}
        </tbody>
      </table>
      {next && <button type="button" onClick={() => void load(next)}>More</button>}
    </section>
  );
}
