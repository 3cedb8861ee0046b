// Sending identities (GET /v1/identities): state and reason, today's sends against today's cap, the
// warm-up curve, 24-hour rates, recent shaping actions with their replies, the IMAP mailbox with the
// watcher's state (a failed login flagged), and Pause / Resume (admin).
import { useEffect, useState } from 'preact/hooks';
import { api, percent, when, type Identity, type IdentityAction, type Page } from '../api';
import { WarmupChart } from './warmup-chart';

function TodayBar({ v }: { v: Identity }) {
  if (v.capToday === null) return <span>{v.sentToday} <span class="muted">/ no cap</span></span>;
  const share = Math.min(1, v.sentToday / Math.max(1, v.capToday));
  return (
    <div class="meter-box" data-testid="today">
      <div class={`meter${share >= 1 ? ' full' : ''}`}><span style={{ width: `${(share * 100).toFixed(0)}%` }} /></div>
      <span>{v.sentToday} / {v.capToday}</span>
    </div>
  );
}

function Actions({ list }: { list: IdentityAction[] }) {
  if (list.length === 0) return <span class="muted">none</span>;
  return (
    <ul class="plain">
      {list.slice(0, 3).map((a) => (
        <li>
          <span class={`badge ${a.inForce ? 'deferred' : ''}`}>{a.action}</span> {a.rule}
          {a.rate !== null && <> to {a.rate}/min</>}{a.provider && <> towards {a.provider}</>}
          <div class="muted">{a.inForce ? 'until' : 'ended'} {when(a.endsAt)}</div>
          {a.reply && <div class="reply">{a.reply}</div>}
        </li>
      ))}
    </ul>
  );
}

/** The mailbox fields of GET /v1/identities (kept here: only this page reads them). */
type Row = Identity & {
  imap: { host: string; port: number; tls: string; user: string; auth: 'password' | 'xoauth2' } | null;
  warmupNetwork: boolean;
  mailbox: { state: string; error: string | null; since: string } | null;
};

/** Its IMAP mailbox and the watcher's state; a failed login is a red badge with the server's words. */
function Mailbox({ v }: { v: Row }) {
  if (!v.imap) return <span class="muted">none</span>;
  const m = v.mailbox;
  return (
    <div data-testid="mailbox">
      <div>{v.imap.host}:{v.imap.port} <span class="muted">{v.imap.user}</span></div>
      {!m && <span class="muted">not watched yet</span>}
      {m?.state === 'auth-failed' && <><span class="badge fail" data-testid="mailbox-state">IMAP login failed</span><div class="reason">{m.error}</div></>}
      {m && m.state !== 'auth-failed' && <span class={`badge ${m.state === 'error' ? 'deferred' : ''}`} data-testid="mailbox-state">{m.state}</span>}
      {m?.state === 'error' && m.error && <div class="reason">{m.error}</div>}
      {m && <div class="muted">since {when(m.since)}</div>}
      {v.warmupNetwork && <div class="muted">warm-up network</div>}
    </div>
  );
}

function via(v: Identity): string {
  if (v.relay) return `relay ${v.relay.host}:${v.relay.port}${v.relay.oauth ? ' (XOAUTH2)' : ''}`;
  return `mta${v.source ? ` from ${v.source}` : ''}`;
}

export function Identities({ admin }: { admin: boolean }) {
  const [rows, setRows] = useState<Row[] | null>(null);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');

  const load = () => api<Page<Row>>('GET', '/v1/identities?limit=500').then((p) => setRows(p.data), (e: Error) => setError(e.message));
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), 10_000);
    return () => clearInterval(timer);
  }, []);

  const act = async (v: Identity, action: 'pause' | 'resume') => {
    setError('');
    try {
      if (action === 'pause') {
        const reason = prompt(`Pause ${v.name}? Its mail waits in the queue. Reason:`, 'paused by the operator');
        if (reason === null) return;
        await api('POST', `/v1/identities/${encodeURIComponent(v.name)}/pause`, reason.trim() ? { reason: reason.trim() } : {});
        setNotice(`paused ${v.name}: its mail waits in the queue`);
      } else {
        const r = await api<{ released: number }>('POST', `/v1/identities/${encodeURIComponent(v.name)}/resume`, {});
        setNotice(`resumed ${v.name}: ${r.released} waiting ${r.released === 1 ? 'recipient' : 'recipients'} due now`);
      }
      await load();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <section>
      <h2>Identities</h2>
      {error && <p class="error">{error}</p>}
      {notice && <p class="notice">{notice}</p>}
      {rows?.length === 0 && <p class="muted">No identities yet: <code>petrel identity add</code> or <code>POST /v1/identities</code>.</p>}
      {rows && rows.length > 0 && (
        <table class="card">
          <thead><tr><th>Name</th><th>Via</th><th>State</th><th>Today</th><th>Warm-up</th><th>Bounces</th><th>Complaints</th><th>Shaping actions</th><th>Mailbox</th><th /></tr></thead>
          <tbody>
            {rows.map((v) => (
              <tr key={v.name} data-identity={v.name}>
                <td><strong>{v.name}</strong><div class="muted">{v.from}</div></td>
                <td>{via(v)}</td>
                <td>
                  <span class={`badge ${v.state}`} data-testid="state">{v.state}</span>
                  {v.reason && <div class="reason">{v.reason}</div>}
                  {v.pausedBy && <div class="muted">by {v.pausedBy}</div>}
                </td>
                <td><TodayBar v={v} /><div class="muted">{v.timeZone}</div></td>
                <td>{v.warmupDay === null ? <span class="muted">none</span> : <>day {v.warmupDay} <span class="muted">of {v.warmupCurve.length}</span><WarmupChart curve={v.warmupCurve} day={v.warmupDay} /></>}</td>
                <td>{percent(v.bounceRate)}</td>
                <td>{percent(v.complaintRate)}</td>
                <td><Actions list={v.actions} /></td>
                <td><Mailbox v={v} /></td>
                <td>{admin && (v.state === 'paused'
                  ? <button type="button" onClick={() => act(v, 'resume')}>Resume</button>
                  : <button type="button" class="danger" onClick={() => act(v, 'pause')}>Pause</button>)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
