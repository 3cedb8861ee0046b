// The suppression list (GET /v1/suppressions), searchable, with a button to lift an entry (DELETE).
import { useEffect, useState } from 'preact/hooks';
import { api, qs, when, type Page } from '../api';

interface Entry { address: string; scope: string; reason: string; detail: string | null; sourceMessage: string | null; createdAt: string; expiresAt: string | null }

export function Suppressions({ admin }: { admin: boolean }) {
  const [search, setSearch] = useState('');
  const [rows, setRows] = useState<Entry[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState('');

  const load = async (cursor?: string) => {
    setError('');
    try {
      const page = await api<Page<Entry>>('GET', `/v1/suppressions${qs({ search: search.trim(), cursor, limit: 100 })}`);
      setRows((old) => (cursor ? [...old, ...page.data] : page.data));
      setNext(page.nextCursor);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  useEffect(() => void load(), []);

  const lift = async (e: Entry) => {
    if (!confirm(`Allow mail to ${e.address}${e.scope ? ` from ${e.scope}` : ''} again?`)) return;
    try {
      await api('DELETE', `/v1/suppressions/${encodeURIComponent(e.address)}${qs({ scope: e.scope })}`);
      void load();
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <section>
      <h2>Suppression list</h2>
      <form class="filters" onSubmit={(e) => { e.preventDefault(); void load(); }}>
        <label>Search <input name="search" value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} /></label>
        <button type="submit">Search</button>
      </form>
      {error && <p class="error">{error}</p>}
      <table class="card">
        <thead><tr><th>Address</th><th>Scope</th><th>Reason</th><th>Detail</th><th>Since</th><th>Expires</th><th /></tr></thead>
        <tbody>
          {rows.map((e) => (
            <tr>
              <td>{e.address}</td>
              <td>{e.scope || 'all domains'}</td>
              <td><span class="badge">{e.reason}</span></td>
              <td>{e.detail}{e.sourceMessage && <> · <a href={`#/messages/${encodeURIComponent(e.sourceMessage)}`}>message</a></>}</td>
              <td>{when(e.createdAt)}</td>
              <td>{e.expiresAt ? when(e.expiresAt) : 'never'}</td>
              <td>{admin && <button type="button" class="danger small" onClick={() => lift(e)}>Remove</button>}</td>
            </tr>
          ))}
          {rows.length === 0 && <tr><td colSpan={7} class="muted">Nothing is suppressed.</td></tr>}
        </tbody>
      </table>
      {next && <button type="button" onClick={() => void load(next)}>More</button>}
    </section>
  );
}
