// Cluster mode, shared state: a user, a domain, a suppression and an API key added with the CLI on node
// A are used by nodes B and C within a second; with PostgreSQL away, admin changes get a clear 503 and
// /readyz says why, while sends go on.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from '../kit/cluster.js';
import { RawSmtp } from '../kit/raw-smtp.js';
import type { Petrel } from '../kit/petrel.js';

let cluster: Cluster;

before(async () => {
  cluster = await startCluster(3, { suppression: { mode: 'refuse' } });
});
after(async () => {
  await cluster?.dispose();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * How long after the change until `check` held on every node: the start of the first probe that
 * succeeded on the last node (a probe's own duration — TLS, scrypt — is not replication time).
 */
async function seenOnAll(nodes: Petrel[], what: string, check: (n: Petrel) => Promise<boolean>): Promise<number> {
  const start = Date.now();
  let last = 0;
  const pending = new Set(nodes);
  while (pending.size > 0) {
    for (const n of [...pending]) {
      const probeStart = Date.now();
      if (await check(n)) {
        pending.delete(n);
        last = Math.max(last, probeStart - start);
      }
    }
    if (pending.size === 0) break;
    if (Date.now() - start > 5000) assert.fail(`${what}: not seen on every node within 5 s`);
    await sleep(20);
  }
  return last;
}

/** One SMTP dialogue on implicit TLS (submissions): the code of the last command. */
async function dialogue(port: number, lines: string[], tls = true): Promise<number> {
  const c = await RawSmtp.connect(port, { tls, timeoutMs: 5000 });
  try {
    await c.hello();
    let code = 0;
    for (const line of lines) {
      await c.send(line);
      code = (await c.read()).code;
      if (code >= 400) break;
    }
    return code;
  } finally {
    c.close();
  }
}

const plain = (user: string, password: string) => Buffer.from(`\0${user}\0${password}`).toString('base64');

test('a user, a domain, a suppression and an API key added on node A are used on B and C within a second', async () => {
  const [a, b, c] = cluster.nodes as [Petrel, Petrel, Petrel];
  const others = [b, c];
  const figures: Record<string, number> = {};

  assert.equal((await a.cli(['user', 'add', 'carol@example.test', '--password-stdin'], 'carol-Secret-3\n')).code, 0);
  figures.user = await seenOnAll(others, 'user', async (n) => (await dialogue(n.ports.submissions, [`AUTH PLAIN ${plain('carol@example.test', 'carol-Secret-3')}`])) === 235);

  assert.equal((await a.cli(['domain', 'add', 'fresh.test', '--local'])).code, 0);
  figures.domain = await seenOnAll(others, 'domain', async (n) => (await dialogue(n.ports.mx, ['MAIL FROM:<x@remote.test>', 'RCPT TO:<postmaster@fresh.test>'], false)) === 250);

  const auth = `AUTH PLAIN ${plain('alice@example.test', 'alice-Secret-1')}`;
  const toGone = ['MAIL FROM:<alice@example.test>', 'RCPT TO:<gone@elsewhere.test>'];
  assert.equal(await dialogue(b.ports.submissions, [auth, ...toGone]), 250); // not suppressed yet
  assert.equal((await a.cli(['suppress', 'add', 'gone@elsewhere.test'])).code, 0);
  figures.suppression = await seenOnAll(others, 'suppression', async (n) => (await dialogue(n.ports.submissions, [auth, ...toGone])) >= 500);

  const key = await a.cli(['apikey', 'create', 'shared', '--scope', 'read']);
  assert.equal(key.code, 0, key.stderr);
  const bearer = { authorization: `Bearer ${key.stdout.trim()}` };
  figures.apiKey = await seenOnAll(others, 'API key', async (n) => (await fetch(`http://127.0.0.1:${n.ports.http}/v1/domains`, { headers: bearer })).status === 200);

  for (const [what, ms] of Object.entries(figures)) assert.ok(ms <= 1000, `${what} took ${ms} ms to reach every node`);
  console.log(`# replication to nodes B and C: ${JSON.stringify(figures)} ms`);
});

test('with PostgreSQL away, an admin change gets 503 and /readyz says why; sends and reads go on', async () => {
  const [a] = cluster.nodes as [Petrel];
  const admin = (await a.cli(['apikey', 'create', 'ops', '--scope', 'admin'])).stdout.trim();
  const headers = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' };
  const base = `http://127.0.0.1:${a.ports.http}`;
  await cluster.pg.stop();
  try {
    let ready: Response | null = null;
    for (let i = 0; i < 100; i++) { // the heartbeat (every 2 s) notices
      ready = await fetch(`${base}/readyz`);
      if (ready.status === 503) break;
      await sleep(100);
    }
    const body = await ready!.json() as { status: string; reason?: string; checks: Record<string, boolean> };
    assert.equal(ready!.status, 503);
    assert.equal(body.checks.sharedState, false);
    assert.match(body.reason ?? '', /PostgreSQL unavailable since/);
    const change = await fetch(`${base}/v1/domains`, { method: 'POST', headers, body: JSON.stringify({ name: 'later.test', local: true }) });
    assert.equal(change.status, 503);
    assert.equal((await change.json() as { error: { code: string } }).error.code, 'shared_state_unavailable');
    assert.equal((await fetch(`${base}/v1/domains`, { headers })).status, 200);
    const send = await fetch(`${base}/v1/messages`, { method: 'POST', headers, body: JSON.stringify({ from: 'alice@example.test', to: ['bob@local.test'], subject: 'during', text: 'x' }) });
    assert.equal(send.status, 202, await send.text());
    const cli = await a.cli(['domain', 'add', 'later.test', '--local']);
    assert.notEqual(cli.code, 0);
    assert.match(cli.stderr, /shared state is not reachable/);
  } finally {
    await cluster.pg.start();
  }
  for (let i = 0; i < 100 && (await fetch(`${base}/readyz`)).status !== 200; i++) await sleep(100);
  assert.equal((await fetch(`${base}/readyz`)).status, 200);
});
