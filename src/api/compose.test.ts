// Composition of API messages: addresses and fields validated by the schema, and MailComposer's output
// read back with postal-mime (attachments byte for byte, text and HTML alternatives, headers).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import PostalMime from 'postal-mime';
import { composeMessage, headerAddresses, messageInput, parseMailbox, toCrlf, withoutBcc } from './compose.js';

const ids = { messageId: '<01TEST@mail.petrel.test>', date: new Date('2026-01-02T03:04:05Z') };

test('parseMailbox takes bare and named addresses and refuses the rest', () => {
  assert.deepEqual(parseMailbox('bob@Example.COM'), { name: '', address: 'bob@example.com' });
  assert.deepEqual(parseMailbox('"Bob B" <bob@example.com>'), { name: 'Bob B', address: 'bob@example.com' });
  for (const bad of ['not-an-address', 'a@b@c', '<>', 'x@example.com\r\nBcc: y@z', 'Bob <bob@>', '']) {
    assert.equal(parseMailbox(bad), null, bad);
  }
});

test('the schema names the path of a bad field', () => {
  const cases: Array<[unknown, string]> = [
    [{ from: 'a@example.test', to: 'not-an-address' }, 'to.0'],
    [{ from: 'a@example.test', to: ['b@example.net', 'bad'] }, 'to.1'],
    [{ from: 'a@example.test', to: 'b@example.net', attachments: [{ filename: 'x', content: 'not base64!' }] }, 'attachments.0.content'],
    [{ from: 'a@example.test', to: 'b@example.net', nope: 1 }, ''],
    [{ from: 'a@example.test', to: 'b@example.net', subject: 'a\r\nBcc: x' }, 'subject'],
    [{ from: 'a@example.test', to: 'b@example.net', headers: { 'Content-Type': 'text/html' } }, 'headers.Content-Type'],
    [{ from: 'a@example.test', to: 'b@example.net', headers: { 'X-A': 'v\nX-B: w' } }, 'headers.X-A'],
    [{ from: 42, to: 'b@example.net' }, 'from'],
  ];
  for (const [input, path] of cases) {
    const r = messageInput.safeParse(input);
    assert.equal(r.success, false, JSON.stringify(input));
    assert.equal(r.error!.issues[0]!.path.join('.'), path, JSON.stringify(input));
  }
});

test('attachments survive the base64 round trip; text and HTML are alternatives', async () => {
  const pdf = randomBytes(5000);
  const input = messageInput.parse({
    from: 'Alice <alice@example.test>', to: ['bob@example.net'], cc: 'carol@example.net', bcc: ['dave@example.net'],
    subject: 'Report é', text: 'plain body', html: '<p>html body</p>',
    attachments: [{ filename: 'r.pdf', content: pdf.toString('base64'), contentType: 'application/pdf' }],
    headers: { 'X-Campaign': 'spring' },
  });
  const bytes = await composeMessage(input, ids);
  assert.ok(!/\r?\nBcc:/i.test(bytes.toString()), 'Bcc is not written');
  assert.ok(!/[^\r]\n/.test(bytes.toString('latin1')), 'CRLF line ends only');
  const email = await PostalMime.parse(bytes);
  assert.equal(email.subject, 'Report é');
  assert.equal(email.messageId, ids.messageId);
  assert.equal(email.from?.address, 'alice@example.test');
  assert.equal(email.text?.trim(), 'plain body');
  assert.equal(email.html?.trim(), '<p>html body</p>');
  assert.equal(email.headers.find((h) => h.key === 'x-campaign')?.value, 'spring');
  assert.equal(email.attachments.length, 1);
  assert.equal(email.attachments[0]!.mimeType, 'application/pdf');
  assert.deepEqual(Buffer.from(email.attachments[0]!.content as ArrayBuffer), pdf);
  assert.match(bytes.toString(), /multipart\/alternative/);
});

test('a Message-ID header replaces ours', async () => {
  const input = messageInput.parse({ from: 'a@example.test', to: 'b@example.net', text: 'x', headers: { 'Message-ID': '<mine@example.test>' } });
  assert.equal((await PostalMime.parse(await composeMessage(input, ids))).messageId, '<mine@example.test>');
});

test('raw messages: CRLF, addresses from headers, Bcc removed', () => {
  const raw = toCrlf(Buffer.from('From: A <a@example.test>\nTo: b@example.net, "C" <c@example.net>\nBcc: d@example.net,\n e@example.net\nSubject: s\n\nbody\nBcc: not a header\n'));
  assert.deepEqual(headerAddresses(raw), { from: ['a@example.test'], recipients: ['b@example.net', 'c@example.net', 'd@example.net', 'e@example.net'] });
  const stripped = withoutBcc(raw).toString();
  assert.equal(stripped, 'From: A <a@example.test>\r\nTo: b@example.net, "C" <c@example.net>\r\nSubject: s\r\n\r\nbody\r\nBcc: not a header\r\n');
});
