// The identity side of mailboxes against the real `petrel serve` and a real Dovecot: `identity add
// --imap-*` and `identity show` (no secrets), `identity set` (port, password from stdin, --no-imap,
// --warmup-network; bad values exit 2, unknown names 1), `identity test` logging in over IMAP, PATCH
// /v1/identities/:name, and the watcher's auth-failed state in `identity show` and GET /v1/identities.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openDatabase } from '../../src/store/db.js';
import { apiOf, type Api } from '../kit/api.js';
import { startDovecot, type Dovecot } from '../kit/dovecot.js';
import { cliOk, identity } from '../kit/identities.js';
import { startPetrel, type Petrel } from '../kit/petrel.js';

const USER = 'ann@box.test';

describe('identities with an IMAP mailbox', () => {
  let p: Petrel;
  let d: Dovecot;
  let api: Api;
  before(async () => {
    d = await startDovecot({ users: [{ user: USER, password: 'imap-Secret-1' }] });
    p = await startPetrel({ log: { level: 'warn' } });
    api = await apiOf(p);
  });
  after(async () => {
    await p?.dispose();
    await d?.stop();
  });

  const imapFlags = () => ['--imap-host', d.host, '--imap-port', String(d.port), '--imap-tls', 'none'];

  test('identity add --imap-*: show --json has the IMAP side, never the password', async () => {
    const out = await cliOk(p, ['identity', 'add', 'ann', '--from', USER, '--via', 'mta', ...imapFlags(), '--imap-password-stdin'], 'imap-Secret-1\n');
    assert.match(out, /added identity ann/);
    const v = await identity(p, 'ann');
    assert.deepEqual(v.imap, { host: d.host, port: d.port, tls: 'none', user: USER, verify: true, auth: 'password' });
    assert.equal(v.warmupNetwork, false);
    assert.ok(v.mailbox === null || ['connecting', 'idle'].includes((v.mailbox as { state: string }).state), JSON.stringify(v.mailbox));
    const text = await cliOk(p, ['identity', 'show', 'ann']);
    assert.match(text, new RegExp(`imap: +${d.host.replace(/\./g, '\\.')}:${d.port} \\(none, user ann@box\\.test, password\\)`));
    // The watcher re-reads identities every 5 s: on a slow machine it may already have connected.
    assert.match(text, /mailbox: +(not watched yet|connecting|idle)/);
    assert.ok(!text.includes('imap-Secret-1') && !JSON.stringify(v).includes('imap-Secret-1'));
  });

  test('identity test logs in over IMAP and finds INBOX and the \\Junk folder', async () => {
    const out = await cliOk(p, ['identity', 'test', 'ann']);
    assert.match(out, /^ok   imap-connect +connected to /m);
    assert.match(out, /^ok   imap-login +logged in as ann@box\.test$/m);
    assert.match(out, /^ok   imap-folders +\d+ folders; INBOX found; \\Junk folder: Junk$/m, out);
    assert.match(out, /^ok   imap-logout/m);
  });

  test('identity test fails clearly after the password changed on the server; set --imap-password-stdin fixes it', async () => {
    await d.setPassword(USER, 'imap-Secret-2');
    const r = await p.cli(['identity', 'test', 'ann']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^FAIL imap-login +the server refused the login: .+\nfix: check --imap-user and the IMAP password/m);
    assert.match(r.stderr, /identity test of ann failed at imap-login/);
    const set = await cliOk(p, ['identity', 'set', 'ann', '--imap-password-stdin'], 'imap-Secret-2\n');
    assert.equal(set, 'changed identity ann: imap password\n');
    assert.match(await cliOk(p, ['identity', 'test', 'ann']), /^ok   imap-login/m);
  });

  test('identity set changes the port and warm-up network, rejects bad values (2) and unknown names (1)', async () => {
    assert.equal(await cliOk(p, ['identity', 'set', 'ann', '--imap-port', '1', '--warmup-network']), 'changed identity ann: imap, warm-up network\n');
    let v = await identity(p, 'ann');
    assert.equal(v.imap.port, 1);
    assert.equal(v.warmupNetwork, true);
    const down = await p.cli(['identity', 'test', 'ann']);
    assert.equal(down.code, 1);
    assert.match(down.stdout, /^FAIL imap-connect .+\nfix: cannot reach the IMAP server/m);
    assert.equal(await cliOk(p, ['identity', 'set', 'ann', '--imap-port', String(d.port), '--no-warmup-network']), 'changed identity ann: imap, warm-up network\n');
    assert.equal(await cliOk(p, ['identity', 'set', 'ann']), 'identity ann: nothing changed\n');
    for (const [args, message] of [
      [['--imap-port', '70000'], /--imap-port must be from 1 to 65535/],
      [['--imap-port', 'x'], /--imap-port must be a number/],
      [['--imap-tls', 'ssl'], /--imap-tls must be implicit, starttls or none/],
      [['--warmup', '9,1'], /--warmup/],
      [['--relay-host', 'smtp.box.test'], /--relay-\* flags are for --via relay/],
    ] as const) {
      const bad = await p.cli(['identity', 'set', 'ann', ...args]);
      assert.equal(bad.code, 2, `${args.join(' ')}: ${bad.stderr}`);
      assert.match(bad.stderr, message);
    }
    const unknown = await p.cli(['identity', 'set', 'nobody', '--daily-cap', '5']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no identity nobody/);
    v = await identity(p, 'ann');
    assert.equal(v.imap.port, d.port);
    assert.equal(v.dailyCap, null);
  });

  test('a mailbox the watcher could not log in to is flagged in identity show and GET /v1/identities', async () => {
    const db = openDatabase(join(p.dataDir, 'petrel.db'));
    try {
      db.prepare(`INSERT OR REPLACE INTO mailbox_status (identity, state, error, since) VALUES ('ann', 'auth-failed', 'AUTHENTICATIONFAILED Authentication failed.', ?)`).run(Date.UTC(2030, 0, 2));
    } finally {
      db.close();
    }
    const text = await cliOk(p, ['identity', 'show', 'ann']);
    assert.match(text, /mailbox: +IMAP login failed: AUTHENTICATIONFAILED Authentication failed\. \(since 2030-01-02T00:00:00\.000Z\)/);
    assert.match(await cliOk(p, ['identity', 'list']), /ann .* LOGIN FAILED/);
    const list = await api.call('GET', '/v1/identities', { as: 'read' });
    assert.equal(list.status, 200);
    const ann = list.body.data.find((i: { name: string }) => i.name === 'ann');
    assert.deepEqual(ann.mailbox, { state: 'auth-failed', error: 'AUTHENTICATIONFAILED Authentication failed.', since: '2030-01-02T00:00:00.000Z', retryAt: null, checkedAt: null });
  });

  test('PATCH /v1/identities/:name: IMAP fields and warmupNetwork; bad fields 400, unknown 404; the API test logs in', async () => {
    const r = await api.call('PATCH', '/v1/identities/ann', { body: { imapUser: 'other@box.test', warmupNetwork: true } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.imap.user, 'other@box.test');
    assert.equal(r.body.warmupNetwork, true);
    const test1 = await api.call('POST', '/v1/identities/ann/test');
    assert.equal(test1.status, 200);
    assert.equal(test1.body.ok, false);
    assert.equal(test1.body.steps.find((s: { ok: boolean }) => !s.ok).step, 'imap-login');
    assert.equal((await api.call('PATCH', '/v1/identities/ann', { body: { imapUser: USER } })).status, 200);
    const test2 = await api.call('POST', '/v1/identities/ann/test');
    assert.equal(test2.body.ok, true, JSON.stringify(test2.body.steps));
    const bad = await api.call('PATCH', '/v1/identities/ann', { body: { imapTls: 'ssl' } });
    assert.equal(bad.status, 400);
    const rule = await api.call('PATCH', '/v1/identities/ann', { body: { relayHost: 'smtp.box.test' } });
    assert.equal(rule.status, 400);
    assert.match(rule.body.error?.message ?? rule.text, /relay/);
    assert.equal((await api.call('PATCH', '/v1/identities/nobody', { body: { dailyCap: 5 } })).status, 404);
    const off = await api.call('PATCH', '/v1/identities/ann', { body: { imap: false } });
    assert.equal(off.body.imap, null);
    assert.equal(off.body.mailbox, null);
    assert.ok(!off.text.includes('imap-Secret'));
  });

  test('identity set --no-imap removes the IMAP side; an mta identity without IMAP has nothing to test (2)', async () => {
    await cliOk(p, ['identity', 'set', 'ann', ...imapFlags(), '--imap-password-stdin'], 'imap-Secret-2\n');
    assert.equal(await cliOk(p, ['identity', 'set', 'ann', '--no-imap']), 'changed identity ann: imap, imap password\n');
    assert.equal((await identity(p, 'ann')).imap, null);
    const r = await p.cli(['identity', 'test', 'ann']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /has no IMAP mailbox/);
  });
});
