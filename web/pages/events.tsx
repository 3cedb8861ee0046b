// Live event tail: the last hour of events, then GET /v1/events with the cursor every second. The
// newest 500 are kept on screen.
import { useEffect, useState } from 'preact/hooks';
import { adviceFor } from '../advice';
import { api, replyText, when, type Page, type PetrelEvent } from '../api';

const KEEP = 500;

export function Events() {
  const [events, setEvents] = useState<PetrelEvent[]>([]);
  const [paused, setPaused] = useState(false);
  const [error, setError] = useState('');

  useEffect(() => {
    if (paused) return;
    let cursor: string | null = null;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const since = new Date(Date.now() - 3_600_000).toISOString();
        const path = cursor ? `/v1/events?cursor=${encodeURIComponent(cursor)}&limit=500` : `/v1/events?since=${encodeURIComponent(since)}&limit=500`;
        const page = await api<Page<PetrelEvent>>('GET', path);
        cursor = page.nextCursor ?? cursor;
        if (page.data.length) setEvents((old) => [...page.data.reverse(), ...old].slice(0, KEEP));
        setError('');
      } catch (e) {
        setError((e as Error).message);
      }
      if (!stopped) timer = setTimeout(poll, 1000);
    };
    setEvents([]);
    void poll();
    return () => { stopped = true; clearTimeout(timer); };
  }, [paused]);

  return (
    <section>
      <h2>Live events</h2>
      <p class="muted">{paused ? 'Paused.' : 'Polling every second.'} <button type="button" onClick={() => setPaused(!paused)}>{paused ? 'Resume' : 'Pause'}</button></p>
      {error && <p class="error">{error}</p>}
      <table class="card">
        <thead><tr><th>Time</th><th>Type</th><th>Message</th><th>Recipient</th><th>Reply</th><th>Class / reason</th></tr></thead>
        <tbody>
          {events.map((e) => (
            <tr key={e.id}>
              <td>{when(e.at)}</td>
              <td><span class={`badge ${e.type}`}>{e.type}</span></td>
              <td>{e.messageId && <a class="mono" href={`#/messages/${encodeURIComponent(e.messageId)}`}>{e.messageId}</a>}</td>
              <td>{e.recipient}</td>
              <td class="mono">{replyText(e.reply)}</td>
              <td title={adviceFor(e.class, e.reason) ?? ''}>{[e.class, e.reason].filter(Boolean).join(' / ')}</td>
            </tr>
          ))}
          {events.length === 0 && <tr><td colSpan={6} class="muted">No events in the last hour yet.</td></tr>}
        </tbody>
      </table>
    </section>
  );
}
