// A listener with normalizeBareLf: bare LF lines in DATA are accepted and stored as CRLF, yet only
// <CRLF>.<CRLF> ends a message, so the LF smuggling variants still cannot inject a second one.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPetrel, type Petrel } from '../kit/petrel.js';
import { smugglingSuite } from '../kit/smuggle.js';
import { quit } from '../kit/raw-smtp.js';
import { onlyFrom, openSession, tag } from '../kit/mail.js';
import { readStoredBody } from '../kit/store.js';

let p: Petrel;
before(async () => {
  p = await startPetrel({ log: { level: 'warn' }, listeners: { mx: { normalizeBareLf: true } } });
});
after(async () => {
  await p?.dispose();
});

describe('normalizeBareLf', () => {
  test('a message with bare LF line ends is accepted and stored with CRLF', async () => {
    const from = `${tag('lf')}@remote.test`;
    const c = await openSession(p.ports.mx);
    await c.cmd(`MAIL FROM:<${from}>`, '250');
    await c.cmd('RCPT TO:<postmaster@local.test>', '250');
    await c.cmd('DATA', '354');
    await c.write(`From: <${from}>\nSubject: lf\n\nline one\nline two\r\n.\r\n`);
    await c.expect('250', 'end of a bare-LF message');
    await quit(c);
    const body = readStoredBody(p.dataDir, (await onlyFrom(p, from)).id).toString();
    assert.ok(body.endsWith('Subject: lf\r\n\r\nline one\r\nline two\r\n'), JSON.stringify(body));
    assert.doesNotMatch(body, /[^\r]\n/, 'a bare LF was stored');
  });

  describe('smuggling variants', () => {
    smugglingSuite(() => p, (name) => `${name} still does not end the message`);
  });
});
