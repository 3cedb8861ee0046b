// Reputation rules end to end: an identity whose hard-bounce rate crosses the threshold is paused by
// itself and its mail waits (nothing bounced) until `identity resume`; a feedback-loop complaint (ARF,
// sent with swaks to Petrel's MX for the tagged return path) pauses the identity that sent the mail;
// `identity test` against a real submission listener prints the 535 and a fix for a wrong password.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiOf, type Api } from '../kit/api.js';
import { eventsOf, eventually, eventuallyAsync, recipientsOf } from '../kit/delivery.js';
import { startDnsServer, type TestDnsServer } from '../kit/dns-server.js';
import { cliOk, identity, relayIdentity } from '../kit/identities.js';
import { tag } from '../kit/mail.js';
import { arf } from '../kit/reports.js';
import { swaks } from '../kit/peers.js';
import { ALICE, startPetrel, STANDARD_SETUP, type Petrel } from '../kit/petrel.js';
import { freePort } from '../kit/ports.js';
import { startSink, type Sink } from '../kit/sink.js';

const USER_UNKNOWN = '550 5.1.1 <gone@remote.test>: Recipient address rejected: User unknown in local recipient table';
const SINK_IP = '127.0.0.51';
const TAGGED = /<(b\+[0-9a-z]{26}-[0-9a-z]{10}@outreach\.test)>/;


describe('reputation: auto-pause and identity test', () => {
  let dns: TestDnsServer;
  let p: Petrel;
  let api: Api;
  let bouncer: Sink;
  let mx: Sink;

  before(async () => {
    const mxPort = await freePort();
    dns = await startDnsServer({
      'remote.test': { MX: [{ preference: 10, exchange: 'mx.remote.test' }] },
      'mx.remote.test': { A: [SINK_IP] },
      // The scheduled blocklist check asks these lists (checks.*): one source IP and one domain are listed.
      '61.0.0.127.bl.test': { A: ['127.0.0.2'] },
      'listed.test.dbl.test': { A: ['127.0.1.2'] },
    });
    bouncer = await startSink('127.0.0.1', await freePort(), ['-f', 'RCPT', '-B', USER_UNKNOWN]);
    mx = await startSink(SINK_IP, mxPort);
    p = await startPetrel({
      dns: { servers: [dns.server] },
      delivery: { enabled: true, mxPort, pollIntervalMs: 100, mtaSts: { enabled: false } },
      sending: { reputation: { checkIntervalSeconds: 1, hardBounceMinSends: 4, blocklistIntervalSeconds: 1 } },
      checks: { ipBlocklists: ['bl.test'], domainBlocklists: ['dbl.test'] },
      // outreach.test is local too: complaints to its tagged return paths come back to this MX.
      setup: [...STANDARD_SETUP, { args: ['domain', 'add', 'outreach.test'] }, { args: ['domain', 'add', 'listed.test', '--sending'] }],
    });
    api = await apiOf(p);
    await relayIdentity(p, 'hb', bouncer);
    await cliOk(p, ['identity', 'add', 'fb', '--from', 'fb@outreach.test', '--via', 'mta']);
  });
  after(async () => {
    await Promise.allSettled([bouncer?.stop(), mx?.stop()]);
    await p?.dispose();
    await dns?.close();
  });

  const stateOf = (id: string) => recipientsOf(p, id)[0]!;

  test('hard bounces over the threshold pause the identity; its mail waits until resume', async () => {
    const subject = tag('hard');
    const bounced: string[] = [];
    for (let i = 0; i < 4; i++) bounced.push(await api.send({ identity: 'hb', to: `gone${i}@remote.test`, subject, text: 'hi' }));
    await eventually(() => bounced.every((id) => stateOf(id).state === 'bounced'), () => JSON.stringify(bounced.map(stateOf)));
    const paused = await eventuallyAsync(async () => {
      const v = await identity(p, 'hb');
      return v.state === 'paused' && v;
    }, () => 'identity hb was not paused');
    assert.match(paused.reason, /^hard-bounce rate 100\.0 % over 4 sends in 24 h/);
    assert.equal(paused.pausedBy, 'auto');
    const event = eventsOf(p).find((e) => e.type === 'identity.paused');
    assert.ok(event);
    assert.equal(JSON.parse(event.data!).identity, 'hb');

    const waiting = await api.send({ identity: 'hb', to: 'later@remote.test', subject, text: 'hi' });
    await eventually(() => stateOf(waiting).state === 'throttled', () => JSON.stringify(stateOf(waiting)));
    const shown = await p.cli(['queue', 'show', waiting]);
    assert.match(shown.stdout, /throttled, 0 attempts, paused: hard-bounce rate .* \(identity hb\), next slot/);
    assert.match(await cliOk(p, ['identity', 'resume', 'hb']), /resumed hb: 1 waiting recipient due now/);
    // Released and tried (this sink refuses every recipient): the window restarts, so no new pause.
    await eventually(() => stateOf(waiting).state === 'bounced', () => JSON.stringify(stateOf(waiting)));
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await identity(p, 'hb')).state, 'active');
    assert.ok(eventsOf(p).some((e) => e.type === 'identity.resumed'));
  });

  test('a complaint (ARF) on its mail pauses the identity', async () => {
    const subject = tag('complaint');
    const id = await api.send({ identity: 'fb', to: 'angry@remote.test', subject, text: 'hi' });
    const [got] = await mx.waitForContent(subject);
    const returnPath = TAGGED.exec(got!.mailArgs)?.[1];
    assert.ok(returnPath, `MAIL ${got!.mailArgs} is not a tagged return path`);
    const r = await swaks(['--server', `127.0.0.1:${p.ports.mx}`, '--from', 'fbl@isp.test', '--to', returnPath, '--data', '-'], arf(returnPath, 'angry@remote.test', 'abuse', 'fb@outreach.test'));
    assert.equal(r.code, 0, r.stdout + r.stderr);
    await eventually(() => eventsOf(p, id).some((e) => e.type === 'complained'), () => JSON.stringify(eventsOf(p, id)));
    const paused = await eventuallyAsync(async () => {
      const v = await identity(p, 'fb');
      return v.state === 'paused' && v;
    }, () => 'identity fb was not paused');
    assert.match(paused.reason, /^complaint rate 100\.0 % \(1 of 1 sends in 24 h; limit 0\.30 %\)/);
    assert.equal(paused.complaintRate, 1);
  });

  test('the scheduled blocklist check pauses identities whose source IP or domain is listed, and only those', async () => {
    await cliOk(p, ['identity', 'add', 'on-listed-ip', '--from', 'ip@outreach.test', '--via', 'mta', '--source', '127.0.0.61']);
    await cliOk(p, ['identity', 'add', 'on-listed-domain', '--from', 'news@listed.test', '--via', 'mta']);
    await cliOk(p, ['identity', 'add', 'clean', '--from', 'clean@outreach.test', '--via', 'mta', '--source', '127.0.0.62']);
    const ip = await eventuallyAsync(async () => {
      const v = await identity(p, 'on-listed-ip');
      return v.state === 'paused' && v;
    }, () => 'on-listed-ip was not paused');
    assert.equal(ip.reason, 'blocklisted: 127.0.0.61 is listed on bl.test (127.0.0.2)');
    const domain = await eventuallyAsync(async () => {
      const v = await identity(p, 'on-listed-domain');
      return v.state === 'paused' && v;
    }, () => 'on-listed-domain was not paused');
    assert.equal(domain.reason, 'blocklisted: listed.test is listed on dbl.test (127.0.1.2)');
    await new Promise((r) => setTimeout(r, 1500)); // another round
    assert.equal((await identity(p, 'clean')).state, 'active');
  });

  test('identity test: a wrong password shows the 535 and a fix; the right one passes every step', async () => {
    const relay = ['--via', 'relay', '--relay-host', '127.0.0.1', '--relay-port', String(p.ports.submission), '--relay-tls', 'starttls', '--no-relay-verify', '--relay-user', ALICE.user, '--relay-password-stdin'];
    await cliOk(p, ['identity', 'add', 'wrong', '--from', 'wrong@outreach.test', ...relay], 'not-the-password\n');
    await cliOk(p, ['identity', 'add', 'right', '--from', 'right@outreach.test', ...relay], `${ALICE.password}\n`);
    const bad = await p.cli(['identity', 'test', 'wrong']);
    assert.equal(bad.code, 1, bad.stdout + bad.stderr);
    assert.match(bad.stdout, /FAIL\s+auth\s+535 5\.7\.8/);
    assert.match(bad.stdout, /fix: .*(credentials|password)/i);
    assert.doesNotMatch(bad.stdout + bad.stderr, /not-the-password/);
    const good = await p.cli(['identity', 'test', 'right']);
    assert.equal(good.code, 0, good.stdout + good.stderr);
    assert.match(good.stdout, /ok\s+auth/);
    assert.doesNotMatch(good.stdout, new RegExp(ALICE.password));
    // The same over HTTP.
    const api401 = await api.call('POST', '/v1/identities/wrong/test');
    assert.equal(api401.status, 200);
    assert.equal(api401.body.ok, false);
    const auth = api401.body.steps.find((x: { step: string }) => x.step === 'auth');
    assert.equal(auth.ok, false);
    assert.match(auth.replies.join(' '), /535 5\.7\.8/);
    assert.ok(auth.fix);
    assert.doesNotMatch(JSON.stringify(api401.body), /not-the-password/);
    assert.equal((await api.call('POST', '/v1/identities/fb/test')).status, 422);
    assert.equal((await api.call('POST', '/v1/identities/right/test')).body.ok, true);
  });
});
