// Domains (GET /v1/domains): the DNS records to publish, each with a copy button, and on demand the
// result of `domain check` (POST /v1/domains/:name/check), finding by finding with its fix.
import { useEffect, useState } from 'preact/hooks';
import { api, type Page } from '../api';

interface Domain { name: string; local: boolean; sending: boolean; catchAll: boolean; createdAt: string; dkimKeys: Array<{ selector: string; algorithm: string; state: string }> }
interface DnsRecord { name: string; type: string; ttl: number; value: string; purpose: string }
interface Finding { area: string; check: string; status: string; message: string; fix: string }
interface Check { domain: string; ok: boolean; findings: Finding[] }

function CopyButton({ text }: { text: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      return; // no clipboard (plain http on a non-local address): the value is selectable anyway
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  };
  return <button type="button" class="small" onClick={copy}>{copied ? 'Copied' : 'Copy'}</button>;
}

function DomainCard({ d, admin }: { d: Domain; admin: boolean }) {
  const [records, setRecords] = useState<DnsRecord[] | null>(null);
  const [check, setCheck] = useState<Check | null>(null);
  const [checking, setChecking] = useState(false);
  const [error, setError] = useState('');

  useEffect(() => {
    api<{ data: DnsRecord[] }>('GET', `/v1/domains/${encodeURIComponent(d.name)}/records`).then((r) => setRecords(r.data), (e: Error) => setError(e.message));
  }, [d.name]);
  const runCheck = async () => {
    setChecking(true);
    setError('');
    try {
      setCheck(await api<Check>('POST', `/v1/domains/${encodeURIComponent(d.name)}/check`, {}));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setChecking(false);
    }
  };

  const roles = [d.local && 'receives', d.sending && 'sends', d.catchAll && 'catch-all'].filter(Boolean).join(', ');
  return (
    <div class="card domain">
      <h3>{d.name} <span class="muted">{roles}</span></h3>
      <p class="muted">DKIM: {d.dkimKeys.map((k) => `${k.selector} (${k.algorithm}, ${k.state})`).join('; ') || 'none'}</p>
      {error && <p class="error">{error}</p>}
      {records && (
        <table>
          <thead><tr><th>Type</th><th>Name</th><th>Value</th><th>Purpose</th><th /></tr></thead>
          <tbody>
            {records.map((r) => (
              <tr>
                <td>{r.type}</td>
                <td class="mono">{r.name}</td>
                <td class="mono value">{r.value}</td>
                <td>{r.purpose}</td>
                <td><CopyButton text={r.value} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {admin && <button type="button" onClick={runCheck} disabled={checking}>{checking ? 'Checking…' : 'Check DNS and blocklists'}</button>}
      {check && (
        <div class="check">
          <p><strong>{check.ok ? 'No failures' : 'Some checks fail'}</strong></p>
          <ul>
            {check.findings.map((f) => (
              <li><span class={`badge ${f.status}`}>{f.status}</span> <strong>{f.area}</strong> {f.check}: {f.message}{f.fix && <div class="advice">Fix: {f.fix}</div>}</li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

export function Domains({ admin }: { admin: boolean }) {
  const [domains, setDomains] = useState<Domain[] | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    api<Page<Domain>>('GET', '/v1/domains?limit=500').then((p) => setDomains(p.data), (e: Error) => setError(e.message));
  }, []);
  return (
    <section>
      <h2>Domains</h2>
      {error && <p class="error">{error}</p>}
      {domains?.length === 0 && <p class="muted">No domains yet: <code>petrel domain add example.com</code>.</p>}
      {domains?.map((d) => <DomainCard d={d} admin={admin} />)}
    </section>
  );
}
