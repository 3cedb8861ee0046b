// The submission roles over the raw client: STARTTLS before AUTH, AUTH before MAIL, senders limited
// to what the user may send as, every SASL mechanism, and failure handling per connection and per IP.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ALICE, STANDARD_SETUP, startPetrel, type Petrel } from '../kit/petrel.js';
import { RawSmtp, quit, type Reply } from '../kit/raw-smtp.js';
import {
  cramMd5Response,
  oauthBearerResponse,
  openAuthed,
  openTlsSubmission,
  plainResponse,
  xoauth2Response,
} from '../kit/auth.js';
import { buildMessage, onlyFrom, sendMail, tag } from '../kit/mail.js';

const BULK = { user: 'bulk@example.test', password: 'bulk-Secret-3', allow: '*@news.example.test' };
const b64 = (s: string) => Buffer.from(s).toString('base64');

let p: Petrel;
before(async () => {
  p = await startPetrel({
    log: { level: 'warn' },
    auth: { failureDelayMs: 10, maxFailuresPerIp: 1000 },
    setup: [
      ...STANDARD_SETUP,
      { args: ['domain', 'add', 'news.example.test', '--sending'] },
      { args: ['user', 'add', BULK.user, '--password-stdin', '--allow-from', BULK.allow], stdin: BULK.password + '\n' },
    ],
  });
});
after(async () => {
  await p?.dispose();
});

/** After a failed SASL exchange some servers first send a 334 error challenge (XOAUTH2, OAUTHBEARER). */
async function finishFailedBearer(c: RawSmtp, first: Reply, clientAck: string): Promise<Reply> {
  if (first.code !== 334) return first;
  await c.send(clientAck);
  return c.read();
}

describe('order of STARTTLS, AUTH and MAIL', () => {
  for (const key of ['submission', 'alt'] as const) {
    test(`${key}: AUTH and MAIL in plaintext get 530 5.7.0`, async () => {
      const c = await RawSmtp.connect(p.ports[key]);
      await c.hello();
      await c.cmd(`AUTH PLAIN ${plainResponse(ALICE.user, ALICE.password)}`, '530 5.7.0');
      await c.cmd(`MAIL FROM:<${ALICE.user}>`, '530 5.7.0');
      await quit(c);
    });

    test(`${key}: MAIL after STARTTLS but before AUTH gets 530 5.7.0`, async () => {
      const c = await openTlsSubmission(p, key);
      await c.cmd(`MAIL FROM:<${ALICE.user}>`, '530 5.7.0');
      await quit(c);
    });
  }

  test('submissions: MAIL before AUTH gets 530 5.7.0', async () => {
    const c = await openTlsSubmission(p, 'submissions');
    await c.cmd(`MAIL FROM:<${ALICE.user}>`, '530 5.7.0');
    await quit(c);
  });

  test('a second AUTH is refused with 503', async () => {
    const c = await openAuthed(p, ALICE.user, ALICE.password);
    await c.cmd(`AUTH PLAIN ${plainResponse(ALICE.user, ALICE.password)}`, '503');
    await quit(c);
  });
});

describe('who may send as whom', () => {
  test('alice may use any address of example.test, recipients anywhere', async () => {
    const c = await openAuthed(p, ALICE.user, ALICE.password);
    await c.cmd(`MAIL FROM:<${ALICE.user}>`, '250');
    await c.cmd('RCPT TO:<someone@far-away.test>', '250');
    await c.cmd('RCPT TO:<bob@local.test>', '250');
    await c.cmd('RSET', '250');
    await c.cmd('MAIL FROM:<sales@example.test>', '250');
    await c.cmd('RSET', '250');
    await c.cmd('MAIL FROM:<Sales@EXAMPLE.test>', '250');
    await quit(c);
  });

  for (const sender of ['mallory@other.test', 'alice@example.test.evil.test', 'alice@sub.example.test', 'bob@local.test']) {
    test(`alice may not send as <${sender}>: 553 5.7.1`, async () => {
      const c = await openAuthed(p, ALICE.user, ALICE.password);
      await c.cmd(`MAIL FROM:<${sender}>`, '553 5.7.1');
      await quit(c);
    });
  }

  test('--allow-from grants a pattern (of a sending domain) and nothing outside it', async () => {
    const c = await openAuthed(p, BULK.user, BULK.password, 'alt');
    await c.cmd('MAIL FROM:<letters@news.example.test>', '250');
    await c.cmd('RSET', '250');
    await c.cmd('MAIL FROM:<letters@other.test>', '553 5.7.1');
    await c.cmd('MAIL FROM:<letters@sub.news.example.test>', '553 5.7.1');
    await quit(c);
  });

  test('a message submitted on the alt port is queued as outbound with the user recorded', async () => {
    const c = await openAuthed(p, ALICE.user, ALICE.password, 'alt');
    const from = `${tag('alt')}@example.test`;
    await sendMail(c, from, ['carol@far-away.test'], buildMessage({ from, to: 'carol@far-away.test', subject: 'alt' }));
    await quit(c);
    const m = await onlyFrom(p, from);
    assert.equal(m.direction, 'outbound');
    const d = await p.queueShow(m.id);
    assert.equal(d.envelope.authUser, ALICE.user);
    assert.equal(d.envelope.role, 'submission');
    assert.ok(d.envelope.tls, 'envelope.tls missing');
    assert.equal(d.envelope.listener, `127.0.0.1:${p.ports.alt}`);
  });
});

describe('SASL mechanisms over the raw client', () => {
  test('PLAIN without initial response', async () => {
    const c = await openTlsSubmission(p);
    const r = await c.cmd('AUTH PLAIN', '334');
    assert.equal(r.text.trim(), '', `PLAIN challenge should be empty, got ${JSON.stringify(r.raw)}`);
    await c.cmd(plainResponse(ALICE.user, ALICE.password), '235 2.7.0');
    await quit(c);
  });

  test('LOGIN', async () => {
    const c = await openTlsSubmission(p);
    const u = await c.cmd('AUTH LOGIN', '334');
    assert.equal(Buffer.from(u.text.trim(), 'base64').toString(), 'Username:');
    const w = await c.cmd(b64(ALICE.user), '334');
    assert.equal(Buffer.from(w.text.trim(), 'base64').toString(), 'Password:');
    await c.cmd(b64(ALICE.password), '235 2.7.0');
    await quit(c);
  });

  test('CRAM-MD5', async () => {
    const c = await openTlsSubmission(p, 'submissions');
    const ch = await c.cmd('AUTH CRAM-MD5', '334');
    await c.cmd(cramMd5Response(ALICE.user, ALICE.password, ch.text.trim()), '235 2.7.0');
    await c.cmd(`MAIL FROM:<${ALICE.user}>`, '250');
    await quit(c);
  });

  test('CRAM-MD5 with a wrong password: 535 5.7.8', async () => {
    const c = await openTlsSubmission(p);
    const ch = await c.cmd('AUTH CRAM-MD5', '334');
    await c.cmd(cramMd5Response(ALICE.user, 'wrong', ch.text.trim()), '535 5.7.8');
    await quit(c);
  });

  test('XOAUTH2 with the static token', async () => {
    const c = await openTlsSubmission(p);
    await c.cmd(`AUTH XOAUTH2 ${xoauth2Response(ALICE.user, ALICE.token)}`, '235 2.7.0');
    await c.cmd(`MAIL FROM:<${ALICE.user}>`, '250');
    await quit(c);
  });

  test('XOAUTH2 with a wrong token: 535 5.7.8', async () => {
    const c = await openTlsSubmission(p);
    await c.send(`AUTH XOAUTH2 ${xoauth2Response(ALICE.user, 'tok-wrong')}`);
    const r = await finishFailedBearer(c, await c.read(), '');
    assert.match(r.raw, /^535 5\.7\.8/, r.raw);
    await quit(c);
  });

  test('OAUTHBEARER with the static token', async () => {
    const c = await openTlsSubmission(p, 'alt');
    await c.cmd(`AUTH OAUTHBEARER ${oauthBearerResponse(ALICE.user, ALICE.token)}`, '235 2.7.0');
    await c.cmd(`MAIL FROM:<${ALICE.user}>`, '250');
    await quit(c);
  });

  test('OAUTHBEARER with a token of another user: 535 5.7.8', async () => {
    const c = await openTlsSubmission(p);
    await c.send(`AUTH OAUTHBEARER ${oauthBearerResponse(BULK.user, ALICE.token)}`);
    const r = await finishFailedBearer(c, await c.read(), b64('\x01'));
    assert.match(r.raw, /^535 5\.7\.8/, r.raw);
    await quit(c);
  });

  test('wrong password: 535 5.7.8; unknown user: the same reply', async () => {
    const c = await openTlsSubmission(p);
    const a = await c.cmd(`AUTH PLAIN ${plainResponse(ALICE.user, 'nope')}`, '535 5.7.8');
    await quit(c);
    const d = await openTlsSubmission(p);
    const b = await d.cmd(`AUTH PLAIN ${plainResponse('nobody@example.test', 'nope')}`, '535 5.7.8');
    assert.equal(a.raw, b.raw, 'the reply must not tell whether the user exists');
    await quit(d);
  });

  test('"*" cancels the exchange with 501, and AUTH works afterwards', async () => {
    const c = await openTlsSubmission(p);
    await c.cmd('AUTH LOGIN', '334');
    await c.cmd('*', '501');
    await c.cmd(`AUTH PLAIN ${plainResponse(ALICE.user, ALICE.password)}`, '235');
    await quit(c);
  });

  test('malformed base64: 501', async () => {
    const c = await openTlsSubmission(p);
    await c.cmd('AUTH PLAIN !!!not-base64!!!', '501');
    await quit(c);
  });

  test('unknown mechanism: 504', async () => {
    const c = await openTlsSubmission(p);
    await c.cmd('AUTH DIGEST-MD5', '504');
    await quit(c);
  });

  test('repeated failures end in 421 4.7.0 and a closed connection (maxFailures = 3)', async () => {
    const c = await openTlsSubmission(p);
    const replies: string[] = [];
    for (let i = 0; i < 4 && !c.closed; i++) {
      await c.send(`AUTH PLAIN ${plainResponse(ALICE.user, `wrong-${i}`)}`);
      const r = await c.read().catch((e: Error) => ({ raw: `(${e.message})`, code: 0 }));
      replies.push(r.raw.trim());
      if (r.code === 421) break;
    }
    assert.match(replies[0] ?? '', /^535 5\.7\.8/, JSON.stringify(replies));
    assert.match(replies[1] ?? '', /^535 5\.7\.8/, JSON.stringify(replies));
    const last = replies[replies.length - 1] ?? '';
    assert.match(last, /^421 4\.7\.0/, `no 421 after 3 failures: ${JSON.stringify(replies)}`);
    assert.ok(replies.length <= 4, JSON.stringify(replies));
    assert.ok(await c.waitClosed(5000), 'connection still open after 421');
  });
});

describe('failures per client IP (maxFailuresPerIp = 3)', () => {
  let q: Petrel;
  before(async () => {
    q = await startPetrel({ log: { level: 'warn' }, auth: { failureDelayMs: 10, maxFailures: 10, maxFailuresPerIp: 3 } });
  });
  after(async () => {
    await q?.dispose();
  });

  test('after 3 failures over two connections, AUTH gets 421 4.7.0 even with the right password', async () => {
    const a = await openTlsSubmission(q);
    await a.cmd(`AUTH PLAIN ${plainResponse(ALICE.user, 'bad-1')}`, '535 5.7.8');
    await a.cmd(`AUTH PLAIN ${plainResponse(ALICE.user, 'bad-2')}`, '535 5.7.8');
    await quit(a);
    const b = await openTlsSubmission(q);
    await b.cmd(`AUTH PLAIN ${plainResponse(ALICE.user, 'bad-3')}`, '535 5.7.8');
    await quit(b);
    const c = await openTlsSubmission(q);
    await c.cmd(`AUTH PLAIN ${plainResponse(ALICE.user, ALICE.password)}`, '421 4.7.0');
    assert.ok(await c.waitClosed(5000), 'still open after 421');
  });
});
