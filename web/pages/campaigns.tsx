// Campaigns (GET /v1/campaigns): each campaign's state, list, where it sends from, its contacts by
// state and steps sent, linking to its own page. Campaigns are created with the CLI or the API.
import { useEffect, useState } from 'preact/hooks';
import { api, when, type Page } from '../api';
import { CONTACT_STATES, sendingVia, type CampaignSummary } from '../campaigns-api';

/** The non-zero contact states as "active 12 · replied 2". */
export function ContactCounts({ counts }: { counts: Record<string, number> }) {
  const shown = CONTACT_STATES.filter((s) => (counts[s] ?? 0) > 0);
  if (shown.length === 0) return <span class="muted">none yet</span>;
  return <span class="counts">{shown.map((s) => <span class={`count ${s}`} data-state={s}>{s} <strong>{counts[s]}</strong></span>)}</span>;
}

export function Campaigns() {
  const [rows, setRows] = useState<CampaignSummary[] | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    const load = () => api<Page<CampaignSummary>>('GET', '/v1/campaigns?limit=500').then((p) => setRows(p.data), (e: Error) => setError(e.message));
    void load();
    const timer = setInterval(() => void load(), 10_000);
    return () => clearInterval(timer);
  }, []);

  return (
    <section>
      <h2>Campaigns</h2>
      {error && <p class="error">{error}</p>}
      {rows?.length === 0 && <p class="muted">No campaigns yet: <code>POST /v1/campaigns</code> with campaign.yaml as JSON.</p>}
      {rows && rows.length > 0 && (
        <table class="card">
          <thead><tr><th>Campaign</th><th>State</th><th>List</th><th>Sending via</th><th>Contacts</th><th>Sent</th><th>Started</th></tr></thead>
          <tbody>
            {rows.map((c) => (
              <tr key={c.name} data-campaign={c.name}>
                <td><a href={`#/campaigns/${encodeURIComponent(c.name)}`}><strong>{c.name}</strong></a><div class="muted">{c.steps} {c.steps === 1 ? 'step' : 'steps'}</div></td>
                <td><span class={`badge ${c.state}`} data-testid="state">{c.state}</span></td>
                <td>{c.list}</td>
                <td>{sendingVia(c)}</td>
                <td><ContactCounts counts={c.contacts} /></td>
                <td data-testid="sent">{c.sent}</td>
                <td>{c.startedAt ? when(c.startedAt) : <span class="muted">not started</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
