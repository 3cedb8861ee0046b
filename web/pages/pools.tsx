// Pools (GET /v1/pools): each pool's members with their weights and share of the sends, and each
// member's state and sends today from GET /v1/identities. Pools are changed with the CLI or the API.
import { useEffect, useState } from 'preact/hooks';
import { api, when, type Identity, type Page, type Pool } from '../api';

export function Pools() {
  const [pools, setPools] = useState<Pool[] | null>(null);
  const [identities, setIdentities] = useState<Map<string, Identity>>(new Map());
  const [error, setError] = useState('');

  useEffect(() => {
    const fail = (e: Error) => setError(e.message);
    api<Page<Pool>>('GET', '/v1/pools?limit=500').then((p) => setPools(p.data), fail);
    api<Page<Identity>>('GET', '/v1/identities?limit=500').then((p) => setIdentities(new Map(p.data.map((i) => [i.name, i]))), fail);
  }, []);

  return (
    <section>
      <h2>Pools</h2>
      {error && <p class="error">{error}</p>}
      {pools?.length === 0 && <p class="muted">No pools yet: <code>petrel pool add NAME --identity A --identity B</code> or <code>PUT /v1/pools/NAME</code>.</p>}
      {pools && pools.length > 0 && (
        <table class="card">
          <thead><tr><th>Pool</th><th>Members</th><th>Created</th></tr></thead>
          <tbody>
            {pools.map((p) => {
              const total = p.members.reduce((n, m) => n + m.weight, 0);
              return (
                <tr key={p.name} data-pool={p.name}>
                  <td><strong>{p.name}</strong></td>
                  <td>
                    <table class="members">
                      <thead><tr><th>Identity</th><th>Weight</th><th>Share</th><th>State</th><th>Today</th></tr></thead>
                      <tbody>
                        {p.members.map((m) => {
                          const i = identities.get(m.identity);
                          return (
                            <tr>
                              <td><a href="#/identities">{m.identity}</a></td>
                              <td>{m.weight}</td>
                              <td>{((m.weight / total) * 100).toFixed(0)}%</td>
                              <td>{i && <span class={`badge ${i.state}`}>{i.state}</span>}</td>
                              <td>{i && `${i.sentToday} / ${i.capToday ?? 'no cap'}`}</td>
                            </tr>
                          );
                        })}
                      </tbody>
                    </table>
                  </td>
                  <td>{when(p.createdAt)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
