// Campaign sends for `npm run bench:cluster`: one 1-step campaign over a pool of relay identities (no caps,
// no gap) to a counting smtp-sink, run by one SQLite node or by 1..3 nodes on one PostgreSQL. Throws when
// the nodes never see the contacts, or the sink does not get exactly N messages within the time bound.

import { setTimeout as sleep } from 'node:timers/promises';
import { createCampaign, importContacts } from '../../dist/test/kit/campaigns.js';
import { startCluster } from '../../dist/test/kit/cluster.js';
import { cliOk, relayIdentity } from '../../dist/test/kit/identities.js';
import { startPetrel, STANDARD_SETUP } from '../../dist/test/kit/petrel.js';
import { treeCpuSeconds } from './proc.mjs';

export const CLAIM_RESULTS = ['claimed', 'taken', 'busy', 'moved', 'capped', 'released', 'reconciled'];

const CAMPAIGN = `name: bench
list: bench
pool: p
schedule: always
steps:
  - delay: 0
    subject: "Hello {{first_name}}"
    text: "Hi {{first_name}}, one note from the cluster bench."
`;

/** Every node alike: delivery on, no jitter, the engine's tick and batch as the campaign bench uses. */
function nodeOptions(batch) {
  return {
    log: { level: 'warn' },
    delivery: { enabled: true, pollIntervalMs: 100, mtaSts: { enabled: false } },
    sending: { jitter: 0 },
    campaigns: { tickMs: 100, batch },
    setup: [...STANDARD_SETUP, { args: ['domain', 'add', 'outreach.test', '--sending', '--local', '--no-dkim'] }],
  };
}

/** Samples of one metric in Prometheus text, as [labels, value]. */
function samples(text, name) {
  const out = [];
  for (const line of text.split('\n')) {
    const m = /^(\w+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels = Object.fromEntries([...m[2].matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    out.push([labels, Number(m[3])]);
  }
  return out;
}

// /metrics is open by default (http.publicMetrics: true), so no key is needed.
const scrape = async (p) => (await fetch(`http://127.0.0.1:${p.ports.http}/metrics`)).text();

/** Claims of one node by result (this node's counters since it started). */
async function claimsOf(p) {
  const byResult = Object.fromEntries(CLAIM_RESULTS.map((r) => [r, 0]));
  for (const [l, v] of samples(await scrape(p), 'petrel_campaign_claims_total')) byResult[l.result] = v;
  return byResult;
}

/** Steps queued so far: claims kept (cluster) or the node's own campaign_sends count (SQLite). */
async function queued(nodes, clustered) {
  if (clustered) return (await Promise.all(nodes.map(claimsOf))).reduce((a, c) => a + c.claimed - c.released, 0);
  return samples(await scrape(nodes[0]), 'petrel_campaign_sends').filter(([l]) => l.campaign === 'bench').reduce((a, [, v]) => a + v, 0);
}

/** Waits (bounded) until every node's own SQLite holds the campaign (mirrored from node A, after the pool). */
async function awaitCampaign(nodes) {
  for (let i = 0; i < 300; i++) {
    const counts = await Promise.all(nodes.map(async (p) => samples(await scrape(p), 'petrel_campaigns').reduce((a, [, v]) => a + v, 0)));
    if (counts.every((c) => c >= 1)) return;
    await sleep(100);
  }
  throw new Error('the nodes did not all see the campaign within 30 s');
}

/** Identities, pool, contacts and the campaign, on the first node (the others get them mirrored). */
async function setUp(nodes, sink, opts) {
  const a = nodes[0];
  const names = Array.from({ length: opts.identities }, (_, i) => `r${i}`);
  for (const name of names) await relayIdentity(a, name, { address: '127.0.0.1', port: sink.port }, ['--min-gap-seconds', '0']);
  await cliOk(a, ['pool', 'add', 'p', ...names.flatMap((n) => ['--identity', n])]);
  await importContacts(a, 'bench', Array.from({ length: opts.contacts }, (_, i) => ({ email: `c${i}@dest${i % 50}.bench.test`, first_name: `C${i}` })));
  await createCampaign(a, CAMPAIGN);
  await awaitCampaign(nodes); // its contacts are enrolled by `campaign start` on node A
}

const seconds = (from, to) => Number(to - from) / 1e9;

/** Starts the campaign on node A and times it until the sink holds N messages; CPU of all nodes' trees. */
async function timeCampaign(nodes, sink, opts, clustered) {
  const n = opts.contacts;
  const base = sink.count();
  let firstAt = null;
  const off = sink.onChange((_, at) => (firstAt ??= at));
  const pids = nodes.map((p) => p.pid);
  const cpu0 = treeCpuSeconds(pids);
  const t0 = process.hrtime.bigint();
  let queuedAt = null;
  try {
    await cliOk(nodes[0], ['campaign', 'start', 'bench', '--force']);
    const deadline = Date.now() + opts.timeoutS * 1000;
    while (sink.count() - base < n && Date.now() < deadline) {
      if (queuedAt === null && (await queued(nodes, clustered)) >= n) queuedAt = process.hrtime.bigint();
      await sleep(100);
    }
  } finally {
    off();
  }
  const cpuS = treeCpuSeconds(pids) - cpu0;
  const lastAt = sink.lastAt();
  queuedAt ??= (await queued(nodes, clustered)) >= n ? process.hrtime.bigint() : null;
  await sleep(1000); // a duplicate would arrive within this
  const delivered = sink.count() - base;
  if (delivered !== n) throw new Error(`the sink got ${delivered} messages of ${n} within ${opts.timeoutS} s`);
  return {
    queuedPerS: queuedAt ? n / seconds(t0, queuedAt) : null,
    sendsPerS: n / seconds(t0, lastAt),
    drainPerS: firstAt && lastAt > firstAt ? (n - 1) / seconds(firstAt, lastAt) : null,
    cpuMsPerSend: (cpuS * 1000) / n,
  };
}

/** One SQLite node runs the campaign. */
export async function campaignOnSqlite(sink, opts) {
  const p = await startPetrel(nodeOptions(opts.batch));
  try {
    await setUp([p], sink, opts);
    return { nodes: 1, ...(await timeCampaign([p], sink, opts, false)) };
  } finally {
    await p.dispose();
  }
}

/** `count` nodes on a fresh PostgreSQL run the campaign; per-node claims and claim results as well. */
export async function campaignOnCluster(count, sink, opts) {
  const cluster = await startCluster(count, nodeOptions(opts.batch));
  try {
    await setUp(cluster.nodes, sink, opts);
    const run = await timeCampaign(cluster.nodes, sink, opts, true);
    const perNode = Object.fromEntries((await cluster.pg.psql('SELECT node, count(*) FROM campaign_claims GROUP BY node ORDER BY node'))
      .split('\n').filter(Boolean).map((l) => l.split('|')).map(([node, c]) => [node, Number(c)]));
    const claims = await Promise.all(cluster.nodes.map(claimsOf));
    return { nodes: count, ...run, perNode, claims };
  } finally {
    await cluster.dispose();
  }
}
