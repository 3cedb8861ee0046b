// Placement tests (GET /v1/placement): the history, newest first, with how many seeds saw each test in
// the inbox, in spam or not at all; a test's own view lists every seed with the provider's SPF, DKIM and
// DMARC results. Tests are run with `petrel placement test`.
import { useEffect, useState } from 'preact/hooks';
import { when } from '../api';
import { placementTest, placementTests, type PlacementDetail, type PlacementSummary, type PlacementTest } from '../placement-api';

/** Result badges reuse the state colours: inbox green, spam red, missing amber, pending blue. */
const BADGE: Record<string, string> = { inbox: 'pass', spam: 'fail', missing: 'warn', pending: 'pending' };

function Counts({ s }: { s: PlacementSummary }) {
  return (
    <span class="counts">
      {(['inbox', 'spam', 'missing', 'pending'] as const).filter((k) => k !== 'pending' || s.pending > 0).map((k) => (
        <span class={`count ${k}`} data-result={k}>{k} <strong>{s[k]}</strong></span>
      ))}
    </span>
  );
}

function Auth({ value }: { value: string | null }) {
  return value ? <span class={`badge ${value === 'pass' ? 'pass' : value === 'none' ? '' : 'fail'}`}>{value}</span> : <span class="muted">–</span>;
}

function Detail({ id }: { id: string }) {
  const [test, setTest] = useState<PlacementDetail | null>(null);
  const [error, setError] = useState('');
  useEffect(() => void placementTest(id).then(setTest, (e: Error) => setError(e.message)), [id]);
  if (error) return <p class="error">{error}</p>;
  if (!test) return <p class="muted">Loading…</p>;
  return (
    <div data-testid="placement-detail">
      <h3>{test.id}: {test.identity} to {test.seeds} <span class={`badge ${test.state}`}>{test.state}</span></h3>
      <p class="muted">{test.subject} · started {when(test.startedAt)}</p>
      <table class="card">
        <thead><tr><th>Seed</th><th>Address</th><th>Placement</th><th>Folder</th><th>SPF</th><th>DKIM</th><th>DMARC</th><th>Authentication-Results</th></tr></thead>
        <tbody>
          {test.results.map((r) => (
            <tr key={r.seed} data-seed={r.seed}>
              <td>{r.seed}</td>
              <td>{r.address}</td>
              <td><span class={`badge ${BADGE[r.result]}`} data-testid="result">{r.result}</span></td>
              <td>{r.folder ?? <span class="muted">–</span>}</td>
              <td><Auth value={r.spf} /></td>
              <td><Auth value={r.dkim} /></td>
              <td><Auth value={r.dmarc} /></td>
              <td><code class="muted">{r.authResults ?? ''}</code></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Placement({ id }: { id?: string | undefined }) {
  const [rows, setRows] = useState<PlacementTest[] | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    const load = () => placementTests().then((p) => setRows(p.data), (e: Error) => setError(e.message));
    void load();
    const timer = setInterval(() => void load(), 10_000);
    return () => clearInterval(timer);
  }, []);

  return (
    <section>
      <h2>Placement tests</h2>
      {error && <p class="error">{error}</p>}
      {id && <Detail key={id} id={id} />}
      {rows?.length === 0 && <p class="muted">No placement tests yet: <code>petrel placement test --identity NAME --seeds POOL</code>.</p>}
      {rows && rows.length > 0 && id && <h3>History</h3>}
      {rows && rows.length > 0 && (
        <table class="card">
          <thead><tr><th>Test</th><th>Identity</th><th>Seeds</th><th>State</th><th>Placement</th><th>Started</th></tr></thead>
          <tbody>
            {rows.map((t) => (
              <tr key={t.id} data-test={t.id}>
                <td><a href={`#/placement/${encodeURIComponent(t.id)}`}><strong>{t.id}</strong></a><div class="muted">{t.subject}</div></td>
                <td>{t.identity}</td>
                <td>{t.seeds}</td>
                <td><span class={`badge ${t.state}`}>{t.state}</span></td>
                <td><Counts s={t.summary} /></td>
                <td>{when(t.startedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
