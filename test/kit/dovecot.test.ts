// The Dovecot kit itself: users log in over IMAP, doveadm stores and reads mail, UIDVALIDITY resets,
// IDLE can be left out of the capabilities, and a changed password takes effect.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ImapFlow } from 'imapflow';
import { startDovecot, type Dovecot } from './dovecot.js';

let d: Dovecot;
before(async () => { d = await startDovecot({ users: [{ user: 'ann@box.test', password: 'pw1' }] }); });
after(async () => { await d?.stop(); });

const client = (pass = 'pw1') => new ImapFlow({ host: d.host, port: d.port, secure: false, doSTARTTLS: false, auth: { user: 'ann@box.test', pass }, logger: false });

test('doveadm save puts mail in INBOX and Junk; an IMAP client sees it with IDLE offered', async () => {
  await d.deliver('ann@box.test', 'From: a@x.test\nSubject: one\n\nhello\n');
  await d.deliver('ann@box.test', 'From: a@x.test\nSubject: two\n\nspam?\n', 'Junk');
  const c = client();
  await c.connect();
  assert.ok(c.capabilities.has('IDLE'));
  const boxes = await c.list();
  assert.ok(boxes.some((b) => b.specialUse === '\\Junk' && b.path === 'Junk'), JSON.stringify(boxes.map((b) => [b.path, b.specialUse])));
  const box = await c.mailboxOpen('INBOX');
  assert.equal(box.exists, 1);
  await c.logout();
  const [m] = await d.messages('ann@box.test');
  assert.equal(m!.uid, 1);
  assert.match(m!.text, /Subject: one/);
  assert.equal((await d.messages('ann@box.test', 'Junk')).length, 1);
});

test('resetUidValidity gives the folder a new UIDVALIDITY', async () => {
  const c = client();
  await c.connect();
  const before = (await c.mailboxOpen('INBOX')).uidValidity;
  await c.logout();
  await d.resetUidValidity('ann@box.test');
  const c2 = client();
  await c2.connect();
  const after = (await c2.mailboxOpen('INBOX')).uidValidity;
  await c2.logout();
  assert.notEqual(String(after), String(before));
});

test('a wrong password is refused; setPassword changes it', async () => {
  await assert.rejects(client('nope').connect());
  await d.setPassword('ann@box.test', 'pw2');
  const c = client('pw2');
  await c.connect();
  await c.logout();
});

test('idle: false leaves IDLE out of the capabilities', async () => {
  const plain = await startDovecot({ users: [{ user: 'bob@box.test', password: 'x' }], idle: false });
  try {
    const c = new ImapFlow({ host: plain.host, port: plain.port, secure: false, doSTARTTLS: false, auth: { user: 'bob@box.test', pass: 'x' }, logger: false });
    await c.connect();
    assert.equal(c.capabilities.has('IDLE'), false);
    await c.logout();
  } finally {
    await plain.stop();
  }
});
