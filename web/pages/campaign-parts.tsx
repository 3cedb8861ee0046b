// Parts of the Campaign page: the funnel per step and variant, the preflight checklist, contacts by
// state with a filtered list (GET .../contacts?state=), and the preview of a contact (GET .../preview).
import { useEffect, useState } from 'preact/hooks';
import { api, when } from '../api';
import { campaignPath, CONTACT_STATES, share, type CampaignContact, type ContactState, type PreflightReport, type Preview, type StepFigures } from '../campaigns-api';

const OUTCOMES = ['delivered', 'replied', 'bounced', 'unsubscribed', 'complained'] as const;

/** One row per step and variant: sent, then each outcome as a count, a share of sent and a bar. */
export function Funnel({ steps }: { steps: StepFigures[] }) {
  const tracking = steps.some((s) => s.opened !== undefined);
  const outcomes = tracking ? [...OUTCOMES, 'opened', 'clicked'] as const : OUTCOMES;
  return (
    <table class="card funnel">
      <thead><tr><th>Step</th><th>Delay</th><th>Subject</th><th>Sent</th>{outcomes.map((o) => <th>{o[0]!.toUpperCase() + o.slice(1)}</th>)}</tr></thead>
      <tbody>
        {steps.map((s) => (
          <tr data-step={`${s.step}${s.variant ? `-${s.variant}` : ''}`}>
            <td><strong>{s.step}</strong>{s.variant && <span class="badge variant">{s.variant}</span>}</td>
            <td>+{s.delay}</td>
            <td class="subject">{s.subject ?? <span class="muted">reply in the thread</span>}</td>
            <td data-testid="sent"><strong>{s.sent}</strong></td>
            {outcomes.map((o) => {
              const n = s[o] ?? 0;
              return (
                <td data-testid={o}>
                  {n} <span class="muted">{share(n, s.sent)}</span>
                  <div class={`bar ${o}`}><span style={{ width: s.sent ? `${Math.min(100, (n / s.sent) * 100).toFixed(0)}%` : '0' }} /></div>
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const MARK = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' } as const;

export function PreflightView({ report }: { report: PreflightReport }) {
  const { contacts, dailyCapacity, days } = report.estimate;
  return (
    <div class="card check preflight" data-testid="preflight">
      <p><strong>{report.ok ? 'Ready to start' : 'Not ready: some checks fail'}</strong></p>
      <ul>
        {report.items.map((i) => (
          <li data-check={i.check}>
            <span class={`badge ${i.status}`}>{MARK[i.status]}</span> <strong>{i.check}</strong>: {i.message}
            {i.fix && <div class="advice">Fix: {i.fix}</div>}
          </li>
        ))}
      </ul>
      <p class="muted">
        Estimate: {contacts} {contacts === 1 ? 'contact' : 'contacts'}, {dailyCapacity === null ? 'no daily cap' : `${dailyCapacity} a day`}
        {days !== null ? `, step 1 in ${days} ${days === 1 ? 'day' : 'days'}` : ''}
      </p>
    </div>
  );
}

/** Counts by state as buttons; the chosen state's contacts below (state, step, next due, identity, reason). */
export function ContactsByState({ name, counts }: { name: string; counts: Record<ContactState, number> }) {
  const [state, setState] = useState<ContactState | null>(null);
  const [rows, setRows] = useState<CampaignContact[] | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    if (state === null) return;
    setRows(null);
    api<{ data: CampaignContact[] }>('GET', campaignPath(name, `/contacts?state=${state}&limit=200`)).then((r) => setRows(r.data), (e: Error) => setError(e.message));
  }, [name, state, counts[state ?? 'pending']]);
  return (
    <div>
      <div class="tabs states">
        {CONTACT_STATES.map((s) => (
          <button type="button" class={s === state ? 'active' : ''} data-state={s} onClick={() => setState(s)}>{s} <strong>{counts[s]}</strong></button>
        ))}
      </div>
      {error && <p class="error">{error}</p>}
      {state && rows?.length === 0 && <p class="muted">No {state} contacts.</p>}
      {rows && rows.length > 0 && (
        <table class="card contacts">
          <thead><tr><th>Contact</th><th>State</th><th>Steps sent</th><th>Next step due</th><th>Identity</th><th>Reason</th></tr></thead>
          <tbody>
            {rows.map((c) => (
              <tr data-contact={c.email}>
                <td>{c.email}</td>
                <td><span class={`badge ${c.state}`}>{c.state}</span></td>
                <td>{c.step}</td>
                <td>{c.nextAt ? when(c.nextAt) : <span class="muted">–</span>}</td>
                <td>{c.identity ?? <span class="muted">–</span>}</td>
                <td class="reason">{c.reason ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** A contact's address (and a step) → the message as previewStep renders it, or the fields it lacks. */
export function PreviewBox({ name, steps }: { name: string; steps: number }) {
  const [contact, setContact] = useState('');
  const [step, setStep] = useState('');
  const [preview, setPreview] = useState<Preview | null>(null);
  const [error, setError] = useState('');
  const run = async (e: Event) => {
    e.preventDefault();
    setError('');
    setPreview(null);
    try {
      setPreview(await api<Preview>('GET', campaignPath(name, `/preview?contact=${encodeURIComponent(contact.trim())}${step ? `&step=${step}` : ''}`)));
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <div class="card preview-box">
      <form class="filters" onSubmit={run}>
        <label>Contact address<input type="email" required value={contact} onInput={(e) => setContact((e.target as HTMLInputElement).value)} /></label>
        <label>Step
          <select value={step} onChange={(e) => setStep((e.target as HTMLSelectElement).value)}>
            <option value="">its next step</option>
            {Array.from({ length: steps }, (_, i) => <option value={String(i + 1)}>{i + 1}</option>)}
          </select>
        </label>
        <button type="submit">Preview</button>
      </form>
      {error && <p class="error">{error}</p>}
      {preview && !preview.ok && (
        <p class="error" data-testid="preview-missing">Step {preview.step} cannot be sent to {preview.contact}: the {preview.where} has no value for {preview.missing.join(', ')} and no fallback.</p>
      )}
      {preview?.ok && (
        <div data-testid="preview">
          <p class="muted">Step {preview.step}{preview.variant && <>, variant {preview.variant}</>}{preview.identity && <>, identity {preview.identity}</>}</p>
          <pre class="message">
            {[`From: ${preview.from ?? '(no identity available now)'}`, `To: ${preview.contact}`, `Subject: ${preview.subject}`,
              ...(preview.inReplyTo ? [`In-Reply-To: ${preview.inReplyTo}`, `References: ${preview.references.join(' ')}`] : []),
              `List-Unsubscribe: ${preview.listUnsubscribe}`, '', preview.text].join('\n')}
          </pre>
          {preview.html && <details><summary>HTML</summary><pre class="message">{preview.html}</pre></details>}
        </div>
      )}
    </div>
  );
}
