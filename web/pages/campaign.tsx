// One campaign (GET /v1/campaigns/:name): state and where it sends from, Start / Pause / Resume / Stop
// (admin; a failed preflight on Start is shown with "Start anyway"), the funnel per step and variant,
// contacts by state, the preflight on demand and the preview of a contact.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiFailure, when } from '../api';
import { campaignPath, sendingVia, type CampaignDetail, type CampaignState, type PreflightReport } from '../campaigns-api';
import { ContactsByState, Funnel, PreflightView, PreviewBox } from './campaign-parts';

type Action = 'start' | 'pause' | 'resume' | 'stop';

/** The actions a state allows (CampaignControl's rules). */
const ACTIONS: Record<CampaignState, Action[]> = {
  draft: ['start', 'stop'],
  running: ['pause', 'stop'],
  paused: ['resume', 'stop'],
  stopped: [],
  finished: [],
};
const LABEL: Record<Action, string> = { start: 'Start', pause: 'Pause', resume: 'Resume', stop: 'Stop' };

export function Campaign({ name, admin }: { name: string; admin: boolean }) {
  const [detail, setDetail] = useState<CampaignDetail | null>(null);
  const [preflight, setPreflight] = useState<PreflightReport | null>(null);
  const [blocked, setBlocked] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');

  const load = () => api<CampaignDetail>('GET', campaignPath(name)).then(setDetail, (e: Error) => setError(e.message));
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), 10_000);
    return () => clearInterval(timer);
  }, [name]);

  const runPreflight = async () => {
    setBusy(true);
    setError('');
    try {
      setPreflight(await api<PreflightReport>('GET', campaignPath(name, '/preflight')));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const act = async (action: Action, force = false) => {
    if (action === 'stop' && !confirm(`Stop ${name} for good? Its open contacts stop and its queued steps are cancelled.`)) return;
    setBusy(true);
    setError('');
    setNotice('');
    try {
      const r = await api<{ preflight?: PreflightReport }>('POST', campaignPath(name, `/${action}`), action === 'start' ? { force } : undefined);
      if (r.preflight) setPreflight(r.preflight);
      setBlocked(false);
      setNotice(`${LABEL[action]}: done`);
      await load();
    } catch (e) {
      const report = e instanceof ApiFailure && e.code === 'preflight_failed' ? (e.detail['preflight'] as PreflightReport | undefined) : undefined;
      if (report) {
        setPreflight(report);
        setBlocked(true);
      } else {
        setError((e as Error).message);
      }
    } finally {
      setBusy(false);
    }
  };

  if (!detail) return <section><h2>Campaign {name}</h2>{error ? <p class="error">{error}</p> : <p class="muted">Loading…</p>}</section>;
  const s = detail.status;
  const sent = s.steps.reduce((n, st) => n + st.sent, 0);
  return (
    <section>
      <p><a href="#/campaigns">← Campaigns</a></p>
      <h2>{s.name} <span class={`badge ${s.state}`} data-testid="campaign-state">{s.state}</span></h2>
      <p class="muted">
        List {s.list} · sending via {sendingVia(s)} · created {when(s.createdAt)}{s.startedAt && <> · started {when(s.startedAt)}</>} · {sent} sent
      </p>
      {admin && (
        <p class="actions">
          {ACTIONS[s.state].map((a) => (
            <button type="button" class={a === 'stop' ? 'danger' : a === 'start' ? 'primary' : ''} disabled={busy} onClick={() => act(a)}>{LABEL[a]}</button>
          ))}
          <button type="button" disabled={busy} onClick={runPreflight}>Run preflight</button>
        </p>
      )}
      {error && <p class="error" role="alert">{error}</p>}
      {notice && <p class="notice">{notice}</p>}
      {blocked && (
        <p class="error" data-testid="start-blocked">
          The preflight failed, so the campaign was not started.{' '}
          <button type="button" class="danger" disabled={busy} onClick={() => act('start', true)}>Start anyway</button>
        </p>
      )}
      {preflight && <PreflightView report={preflight} />}
      <h3>Steps</h3>
      <Funnel steps={s.steps} />
      <h3>Contacts</h3>
      <ContactsByState name={s.name} counts={s.contacts} />
      <h3>Preview</h3>
      <PreviewBox name={s.name} steps={new Set(s.steps.map((st) => st.step)).size} />
    </section>
  );
}
