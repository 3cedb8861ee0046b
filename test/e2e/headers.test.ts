// What the server adds to stored messages (Received with the RFC 3848 protocol name; Date and
// Message-ID on submission when missing), and that accepted mail survives a restart and a SIGKILL.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ALICE, startPetrel, type Petrel } from '../kit/petrel.js';
import { RawSmtp, quit } from '../kit/raw-smtp.js';
import { openAuthed } from '../kit/auth.js';
import { buildMessage, onlyFrom, openSession, sendMail, tag } from '../kit/mail.js';
import { headerBlock, readStoredBody } from '../kit/store.js';
import { swaks } from '../kit/peers.js';
import { describeRun } from '../kit/tools.js';

let p: Petrel;
before(async () => {
  p = await startPetrel({ log: { level: 'warn' }, auth: { failureDelayMs: 10 } });
});
after(async () => {
  await p?.dispose();
});

/** Header fields of the stored message, unfolded, in order. */
async function storedHeaders(sender: string): Promise<string[]> {
  const m = await onlyFrom(p, sender);
  const block = headerBlock(readStoredBody(p.dataDir, m.id)).replace(/\r\n[ \t]+/g, ' ');
  return block.split('\r\n').filter((l) => l.length > 0);
}

const named = (hs: string[], name: string) => hs.filter((h) => h.toLowerCase().startsWith(name.toLowerCase() + ':'));

function assertReceived(hs: string[], protocol: string): void {
  const first = hs[0] ?? '';
  assert.match(first, /^Received: /, `first stored header is not Received: ${JSON.stringify(hs)}`);
  assert.match(first, /\bby mail\.petrel\.test\b/, first);
  assert.match(first, /\[127\.0\.0\.1\]/, first);
  assert.match(first, new RegExp(`\\bwith ${protocol}(?![A-Z])`), `expected "with ${protocol}" in ${first}`);
  assert.match(first, /;\s*\S.*\d{4}/, `no date after ";" in ${first}`);
}

describe('Received', () => {
  test('mx over plain EHLO: with ESMTP', async () => {
    const from = `${tag('rcv')}@remote.test`;
    const c = await openSession(p.ports.mx, 'plain.client.test');
    await sendMail(c, from, ['bob@local.test'], buildMessage({ from, to: 'bob@local.test', subject: 'rcv' }));
    await quit(c);
    const hs = await storedHeaders(from);
    assertReceived(hs, 'ESMTP');
    assert.match(hs[0]!, /plain\.client\.test/, 'the EHLO name is not in Received');
  });

  test('mx over HELO: with SMTP', async () => {
    const from = `${tag('rcv-helo')}@remote.test`;
    const c = await RawSmtp.connect(p.ports.mx);
    await c.expect('220');
    await c.cmd('HELO old.client.test', '250');
    await sendMail(c, from, ['bob@local.test'], buildMessage({ from, to: 'bob@local.test', subject: 'helo' }));
    await quit(c);
    assertReceived(await storedHeaders(from), 'SMTP');
  });

  test('mx over STARTTLS (swaks): with ESMTPS', async () => {
    const from = `${tag('rcv-tls')}@remote.test`;
    const r = await swaks(['--server', `127.0.0.1:${p.ports.mx}`, '--tls', '--from', from, '--to', 'bob@local.test']);
    assert.equal(r.code, 0, describeRun(r));
    assertReceived(await storedHeaders(from), 'ESMTPS');
  });

  test('submission with STARTTLS and AUTH: with ESMTPSA', async () => {
    const from = `${tag('rcv-sa')}@example.test`;
    const c = await openAuthed(p, ALICE.user, ALICE.password);
    await sendMail(c, from, ['kim@far-away.test'], buildMessage({ from, to: 'kim@far-away.test', subject: 'sa' }));
    await quit(c);
    assertReceived(await storedHeaders(from), 'ESMTPSA');
  });

  test('submissions (implicit TLS) with AUTH: with ESMTPSA', async () => {
    const from = `${tag('rcv-465')}@example.test`;
    const c = await openAuthed(p, ALICE.user, ALICE.password, 'submissions');
    await sendMail(c, from, ['kim@far-away.test'], buildMessage({ from, to: 'kim@far-away.test', subject: '465' }));
    await quit(c);
    assertReceived(await storedHeaders(from), 'ESMTPSA');
  });

  test('exactly one Received is added', async () => {
    const from = `${tag('rcv-one')}@remote.test`;
    const c = await openSession(p.ports.mx);
    const msg = buildMessage({ from, to: 'bob@local.test', subject: 'one', headers: ['X-Test: 1'] });
    await sendMail(c, from, ['bob@local.test'], msg);
    await quit(c);
    assert.equal(named(await storedHeaders(from), 'Received').length, 1);
  });
});

describe('Date and Message-ID on submission', () => {
  test('added when missing', async () => {
    const from = `${tag('nodate')}@example.test`;
    const c = await openAuthed(p, ALICE.user, ALICE.password);
    const msg = buildMessage({ from, to: 'lee@far-away.test', subject: 'bare', date: false, messageId: false });
    await sendMail(c, from, ['lee@far-away.test'], msg);
    await quit(c);
    const hs = await storedHeaders(from);
    const dates = named(hs, 'Date');
    const ids = named(hs, 'Message-ID');
    assert.equal(dates.length, 1, `Date headers: ${JSON.stringify(hs)}`);
    assert.equal(ids.length, 1, `Message-ID headers: ${JSON.stringify(hs)}`);
    assert.ok(!Number.isNaN(Date.parse(dates[0]!.slice(5).trim())), `unparseable ${dates[0]}`);
    assert.match(ids[0]!, /^Message-ID:\s*<[^<>@\s]+@[^<>@\s]+>\s*$/i, ids[0]);
  });

  test('kept unchanged when present', async () => {
    const from = `${tag('hasdate')}@example.test`;
    const id = `${tag('mid')}@client.test`;
    const c = await openAuthed(p, ALICE.user, ALICE.password, 'alt');
    await sendMail(c, from, ['lee@far-away.test'], buildMessage({ from, to: 'lee@far-away.test', subject: 'full', messageId: id }));
    await quit(c);
    const hs = await storedHeaders(from);
    assert.deepEqual(named(hs, 'Message-ID'), [`Message-ID: <${id}>`]);
    assert.equal(named(hs, 'Date').length, 1);
  });
});

describe('restart', () => {
  test('accepted mail survives a graceful restart and a SIGKILL', async () => {
    const from = `${tag('durable')}@remote.test`;
    const c = await openSession(p.ports.mx);
    await sendMail(c, from, ['postmaster@local.test'], buildMessage({ from, to: 'postmaster@local.test', subject: 'keep me' }));
    await quit(c);
    const before = await onlyFrom(p, from);
    const body = readStoredBody(p.dataDir, before.id);

    await p.restart();
    const afterRestart = await onlyFrom(p, from);
    assert.equal(afterRestart.id, before.id);
    assert.ok(readStoredBody(p.dataDir, afterRestart.id).equals(body));

    const from2 = `${tag('durable-kill')}@remote.test`;
    const d = await openSession(p.ports.mx);
    await sendMail(d, from2, ['postmaster@local.test'], buildMessage({ from: from2, to: 'postmaster@local.test', subject: 'kill' }));
    await quit(d);
    await p.kill9();
    await p.restart();
    await onlyFrom(p, from);
    await onlyFrom(p, from2);

    const from3 = `${tag('after-restart')}@remote.test`;
    const e = await openSession(p.ports.mx);
    await sendMail(e, from3, ['postmaster@local.test'], buildMessage({ from: from3, to: 'postmaster@local.test', subject: 'new' }));
    await quit(e);
    await onlyFrom(p, from3);
  });
});
