// The unified inbox: mail read from every identity's mailbox (GET /v1/inbox) with filters, kind labels
// and an unread marker; opening one marks it read and shows the thread (what we sent, what they
// answered), a reply box that answers from the same identity, and Confirm / Dismiss for unsubscribes.
import { useEffect, useState } from 'preact/hooks';
import { when } from '../api';
import {
  decideUnsubscribe, getThread, INBOX_KINDS, KIND_LABELS, listInbox, markHandled, markRead, sendReply,
  type InboxFilters, type InboxItem, type InboxThread,
} from '../inbox-api';

const NO_FILTERS: InboxFilters = { campaign: '', identity: '', kind: '', unread: '' };

export function Inbox({ id }: { id: number | null }) {
  const [filters, setFilters] = useState<InboxFilters>(NO_FILTERS);
  const [rows, setRows] = useState<InboxItem[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState('');

  const load = async (cursor?: string) => {
    setError('');
    try {
      const page = await listInbox(filters, cursor);
      setRows((old) => (cursor ? [...old, ...page.data] : page.data));
      setNext(page.nextCursor);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  useEffect(() => void load(), [id]);
  const set = (key: keyof InboxFilters) => (e: Event) => setFilters({ ...filters, [key]: (e.target as HTMLInputElement).value });

  return (
    <section>
      <h2>Inbox</h2>
      <form class="filters" onSubmit={(e) => { e.preventDefault(); void load(); }}>
        <label>Campaign <input name="campaign" value={filters.campaign} onInput={set('campaign')} /></label>
        <label>Identity <input name="identity" value={filters.identity} onInput={set('identity')} /></label>
        <label>Kind <select name="kind" value={filters.kind} onChange={set('kind')}>
          <option value="">any</option>
          {INBOX_KINDS.map((k) => <option value={k}>{KIND_LABELS[k]}</option>)}
        </select></label>
        <label>Read <select name="unread" value={filters.unread} onChange={set('unread')}>
          <option value="">all</option><option value="true">unread</option><option value="false">read</option>
        </select></label>
        <button type="submit">Filter</button>
      </form>
      {error && <p class="error">{error}</p>}
      {id !== null && <Thread key={id} id={id} onChanged={() => void load()} />}
      <table class="card inbox">
        <thead><tr><th /><th>From</th><th>Subject</th><th>Kind</th><th>Mailbox</th><th>Campaign</th><th>Received</th></tr></thead>
        <tbody>
          {rows.map((m) => (
            <tr class={m.unread ? 'unread' : ''}>
              <td>{m.unread ? <span class="dot" title="unread" aria-label="unread">●</span> : m.handled ? '✓' : ''}</td>
              <td>{m.fromName ? `${m.fromName} <${m.from ?? ''}>` : (m.from ?? '(no sender)')}</td>
              <td><a href={`#/inbox/${m.id}`}>{m.subject || '(no subject)'}</a><div class="muted small">{m.snippet}</div></td>
              <td><span class={`badge ${m.kind}`}>{KIND_LABELS[m.kind]}</span>{m.unsubscribe && <span class="badge">{m.unsubscribe}</span>}</td>
              <td>{m.identity}</td>
              <td>{m.campaign ? <a href={`#/campaigns/${encodeURIComponent(m.campaign)}`}>{m.campaign}</a> : ''}{m.step ? ` · step ${m.step}` : ''}</td>
              <td>{when(m.receivedAt)}</td>
            </tr>
          ))}
          {rows.length === 0 && <tr><td colSpan={7} class="muted">No mail read from the mailboxes yet.</td></tr>}
        </tbody>
      </table>
      {next && <button type="button" onClick={() => void load(next)}>More</button>}
    </section>
  );
}

/** One message's thread, marked read on opening; the reply box and the unsubscribe decision. */
function Thread({ id, onChanged }: { id: number; onChanged(): void }) {
  const [thread, setThread] = useState<InboxThread | null>(null);
  const [text, setText] = useState('');
  const [notice, setNotice] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const refresh = () => getThread(id).then(setThread, (e: Error) => setError(e.message));
  useEffect(() => {
    void markRead(id).then(onChanged, () => undefined).finally(() => void refresh());
  }, [id]);

  const act = async (what: () => Promise<unknown>, done: (r: unknown) => string) => {
    setError('');
    setBusy(true); // one click, one answer: buttons wait for the call
    try {
      setNotice(done(await what()));
      void refresh();
      onChanged();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  if (!thread) return error ? <p class="error">{error}</p> : <p class="muted">Loading…</p>;
  const m = thread.message;
  return (
    <div class="card pad thread">
      <h3>{m.subject || '(no subject)'} <span class={`badge ${m.kind}`}>{KIND_LABELS[m.kind]}</span>{m.handled && <span class="badge">handled</span>}</h3>
      {thread.sent.map((s) => (
        <article class="sent"><div class="muted small">We sent step {s.step} from {s.identity ?? '?'} · {when(s.sentAt)}</div>
          <strong>{s.subject}</strong><pre>{s.text ?? '(the body is no longer stored)'}</pre></article>
      ))}
      {thread.received.map((r) => (
        <article class={r.id === m.id ? 'received current' : 'received'}><div class="muted small">{r.from} to {r.identity} · {when(r.date ?? r.receivedAt)}</div>
          <strong>{r.subject}</strong><pre>{r.text ?? r.snippet ?? ''}</pre></article>
      ))}
      {m.unsubscribe === 'suggested' && (
        <p>This looks like an unsubscribe request.{' '}
          <button type="button" class="danger" disabled={busy} onClick={() => act(() => decideUnsubscribe(id, true), () => 'Unsubscribed and suppressed.')}>Confirm</button>{' '}
          <button type="button" onClick={() => act(() => decideUnsubscribe(id, false), () => 'Dismissed.')}>Dismiss</button></p>
      )}
      <form onSubmit={(e) => { e.preventDefault(); void act(() => sendReply(id, text), (r) => (setText(''), `Reply queued: ${(r as { id: string }).id}`)); }}>
        <label>Reply from {m.identity}<textarea name="reply" rows={5} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} /></label>
        <button type="submit" disabled={busy || text.trim() === ''}>Send reply</button>{' '}
        {!m.handled && <button type="button" onClick={() => act(() => markHandled(id), () => 'Marked handled.')}>Mark handled</button>}
      </form>
      {notice && <p class="notice" role="status">{notice}</p>}
      {error && <p class="error" role="alert">{error}</p>}
    </div>
  );
}
