// A message's trace (GET /v1/messages/:id): its recipients, then one timeline of events and delivery
// attempts with every SMTP reply, its bounce class and reason, and what to do about it.
import { useEffect, useState } from 'preact/hooks';
import { adviceFor } from '../advice';
import { api, ApiFailure, replyText, when, type MessageDetail, type Reply } from '../api';
import { MessageActions } from './actions';

interface Step {
  at: number;
  kind: string;
  recipient: string | null;
  mx: string | null;
  reply: Reply | null;
  class: string | null;
  reason: string | null;
  detail: string;
}

function timeline(m: MessageDetail): Step[] {
  const steps: Step[] = [];
  for (const e of m.events ?? []) {
    steps.push({ at: Date.parse(e.at), kind: e.type, recipient: e.recipient, mx: e.mx, reply: e.reply, class: e.class, reason: e.reason, detail: '' });
  }
  for (const r of m.recipients) {
    for (const a of r.history ?? []) {
      const detail = [a.route, a.ip, a.tls ? `TLS ${a.tls}` : '', a.phase ? `at ${a.phase}` : '', a.durationMs !== undefined ? `${a.durationMs} ms` : '']
        .filter(Boolean).join(' · ');
      steps.push({ at: new Date(a.at).getTime(), kind: `attempt: ${a.outcome}`, recipient: r.address, mx: a.mx, reply: a.reply, class: a.class, reason: a.reason, detail });
    }
  }
  return steps.sort((a, b) => a.at - b.at);
}

export function Trace({ id, admin }: { id: string; admin: boolean }) {
  const [m, setM] = useState<MessageDetail | null>(null);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');

  const load = () =>
    api<MessageDetail>('GET', `/v1/messages/${encodeURIComponent(id)}`).then(
      (d) => { setM(d); setError(''); },
      (e: Error) => setError(e instanceof ApiFailure && e.status === 404 ? `No message ${id} (delivered and removed, or deleted).` : e.message),
    );
  useEffect(() => {
    void load();
    const timer = setInterval(load, 2000); // attempts land while the page is open
    return () => clearInterval(timer);
  }, [id]);

  if (error && !m) return <section><h2>Message {id}</h2><p class="error">{error}</p><a href="#/queue">Back to the queue</a></section>;
  if (!m) return <p class="muted">Loading…</p>;
  return (
    <section>
      <h2>Message <span class="mono">{m.id}</span> <span class={`badge ${m.state}`} data-testid="message-state">{m.state}</span></h2>
      <p class="muted">From {m.sender || '<>'} · received {when(m.receivedAt)} · {m.size} bytes · {m.direction}</p>
      {admin && <MessageActions id={m.id} state={m.state} onDone={(a) => { setNotice(`${a} done`); if (a === 'delete') location.hash = '#/queue'; else void load(); }} />}
      {notice && <p class="notice">{notice}</p>}
      {error && <p class="error">{error}</p>}
      <h3>Recipients</h3>
      <table class="card">
        <thead><tr><th>Address</th><th>State</th><th>Attempts</th><th>Next attempt</th><th>Last reply</th></tr></thead>
        <tbody>
          {m.recipients.map((r) => (
            <tr>
              <td>{r.address}</td>
              <td><span class={`badge ${r.state}`}>{r.state}</span></td>
              <td data-testid="attempts">{r.attempts}</td>
              <td>{when(r.nextAttemptAt)}</td>
              <td class="mono">{replyText(r.lastReply)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Timeline</h3>
      <ol class="timeline">
        {timeline(m).map((s) => {
          const advice = adviceFor(s.class, s.reason);
          return (
            <li class="card step">
              <div><strong>{s.kind}</strong> <span class="muted">{when(s.at)}</span> {s.recipient && <span>· {s.recipient}</span>} {s.mx && <span class="muted">· {s.mx}</span>}</div>
              {s.detail && <div class="muted">{s.detail}</div>}
              {s.reply && <div class="mono reply">{replyText(s.reply)}</div>}
              {(s.class || s.reason) && <div>class <span class={`badge ${s.class ?? ''}`}>{s.class ?? '?'}</span> reason <span class="badge">{s.reason ?? '?'}</span></div>}
              {advice && s.class !== 'success' && <div class="advice">Suggested fix: {advice}</div>}
            </li>
          );
        })}
      </ol>
    </section>
  );
}
