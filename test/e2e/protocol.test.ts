// The basic dialogue of every listener as a client sees it: greeting, EHLO keywords, error replies,
// VRFY/HELP, TLS with the self-signed certificate, and non-SMTP clients (HTTP) being dropped.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPetrel, type Petrel } from '../kit/petrel.js';
import { RawSmtp, quit } from '../kit/raw-smtp.js';
import { curl, swaks, swaksServerLines } from '../kit/peers.js';
import { describeRun } from '../kit/tools.js';

let p: Petrel;
before(async () => {
  p = await startPetrel({ log: { level: 'warn' } });
});
after(async () => {
  await p?.dispose();
});

const GREETING = /^220 mail\.petrel\.test ESMTP/;
const BASE_KEYWORDS = ['PIPELINING', 'SIZE 26214400', '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES', 'CHUNKING', 'BINARYMIME', 'DSN'];

function assertKeywords(got: string[], want: string[], where: string): void {
  for (const k of want) assert.ok(got.includes(k), `${where}: EHLO lacks ${k}; got ${JSON.stringify(got)}`);
}
const hasAuth = (kw: string[]) => kw.some((k) => k === 'AUTH' || k.startsWith('AUTH '));

async function starttls(c: RawSmtp): Promise<string[]> {
  await c.cmd('STARTTLS', '220');
  await c.startTls({ ca: p.ca(), servername: 'mail.petrel.test', rejectUnauthorized: true });
  return c.hello('client.test', false);
}

describe('greeting', () => {
  for (const key of ['mx', 'submission', 'alt'] as const) {
    test(`${key} greets with 220 and the hostname`, async () => {
      const c = await RawSmtp.connect(p.ports[key]);
      const r = await c.read();
      assert.match(r.raw, GREETING);
      await quit(c);
    });
  }

  test('submissions greets inside implicit TLS, and the certificate verifies for the hostname', async () => {
    const c = await RawSmtp.connect(p.ports.submissions, {
      tls: true,
      tlsOptions: { ca: p.ca(), servername: 'mail.petrel.test', rejectUnauthorized: true },
    });
    assert.match((await c.read()).raw, GREETING);
    const proto = c.tlsSocket?.getProtocol();
    assert.ok(proto === 'TLSv1.2' || proto === 'TLSv1.3', `TLS protocol ${proto}`);
    await quit(c);
  });

  test('swaks sees the greeting and EHLO', async () => {
    const r = await swaks(['--server', `127.0.0.1:${p.ports.mx}`, '--quit-after', 'EHLO']);
    assert.equal(r.code, 0, describeRun(r));
    const lines = swaksServerLines(r);
    assert.ok(lines.some((l) => GREETING.test(l)), describeRun(r));
    assert.ok(lines.some((l) => /^250[- ]PIPELINING/.test(l)), describeRun(r));
  });

  test('QUIT is answered 221 and the server closes', async () => {
    const c = await RawSmtp.connect(p.ports.mx);
    await c.expect('220');
    await c.cmd('QUIT', '221');
    assert.ok(await c.waitClosed(5000), 'connection still open after 221');
  });
});

describe('EHLO keywords', () => {
  test('mx: all extensions and STARTTLS, never AUTH (also not after STARTTLS)', async () => {
    const c = await RawSmtp.connect(p.ports.mx);
    const kw = await c.hello();
    assertKeywords(kw, [...BASE_KEYWORDS, 'STARTTLS'], 'mx');
    assert.ok(!hasAuth(kw), `mx advertises AUTH: ${JSON.stringify(kw)}`);
    const tlsKw = await starttls(c);
    assertKeywords(tlsKw, BASE_KEYWORDS, 'mx after STARTTLS');
    assert.ok(!tlsKw.includes('STARTTLS'), `STARTTLS offered inside TLS: ${JSON.stringify(tlsKw)}`);
    assert.ok(!hasAuth(tlsKw), `mx advertises AUTH after STARTTLS: ${JSON.stringify(tlsKw)}`);
    await quit(c);
  });

  for (const key of ['submission', 'alt'] as const) {
    test(`${key}: STARTTLS but no AUTH in plaintext; AUTH with every mechanism after STARTTLS`, async () => {
      const c = await RawSmtp.connect(p.ports[key]);
      const kw = await c.hello();
      assertKeywords(kw, [...BASE_KEYWORDS, 'STARTTLS'], key);
      assert.ok(!hasAuth(kw), `${key} advertises AUTH before STARTTLS: ${JSON.stringify(kw)}`);
      const tlsKw = await starttls(c);
      assertKeywords(tlsKw, BASE_KEYWORDS, `${key} after STARTTLS`);
      assert.ok(!tlsKw.includes('STARTTLS'), `STARTTLS offered inside TLS: ${JSON.stringify(tlsKw)}`);
      const auth = tlsKw.find((k) => k.startsWith('AUTH '));
      assert.ok(auth, `no AUTH after STARTTLS: ${JSON.stringify(tlsKw)}`);
      for (const m of ['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2', 'OAUTHBEARER']) {
        assert.ok(auth.split(' ').includes(m), `AUTH lacks ${m}: ${auth}`);
      }
      await quit(c);
    });
  }

  test('submissions: AUTH at once, no STARTTLS', async () => {
    const c = await RawSmtp.connect(p.ports.submissions, { tls: true });
    const kw = await c.hello();
    assertKeywords(kw, BASE_KEYWORDS, 'submissions');
    assert.ok(!kw.includes('STARTTLS'), `submissions offers STARTTLS: ${JSON.stringify(kw)}`);
    assert.ok(hasAuth(kw), `submissions lacks AUTH: ${JSON.stringify(kw)}`);
    await quit(c);
  });

  test('HELO works and a second EHLO resets nothing harmful', async () => {
    const c = await RawSmtp.connect(p.ports.mx);
    await c.expect('220');
    await c.cmd('HELO client.test', '250');
    await c.cmd('EHLO client.test', '250');
    await c.cmd('MAIL FROM:<x@remote.test>', '250');
    await c.cmd('EHLO client.test', '250');
    // EHLO resets the transaction (RFC 5321 4.1.4): RCPT now has no MAIL.
    await c.cmd('RCPT TO:<postmaster@local.test>', '503');
    await quit(c);
  });
});

describe('error replies', () => {
  test('unknown command: 500 5.5.1', async () => {
    const c = await RawSmtp.connect(p.ports.mx);
    await c.hello();
    await c.cmd('FROBNICATE now', '500 5.5.1');
    await c.cmd('NOOP', '250');
    await quit(c);
  });

  test('bad sequence: 503 5.5.1 for MAIL before EHLO, RCPT before MAIL, DATA before RCPT', async () => {
    const c = await RawSmtp.connect(p.ports.mx);
    await c.expect('220');
    await c.cmd('MAIL FROM:<x@remote.test>', '503 5.5.1');
    await c.cmd('EHLO client.test', '250');
    await c.cmd('RCPT TO:<postmaster@local.test>', '503 5.5.1');
    await c.cmd('DATA', '503 5.5.1');
    await c.cmd('MAIL FROM:<x@remote.test>', '250');
    // DATA with no recipient: RFC 5321 3.3 allows 503 or 554 ("no valid recipients").
    const r = await c.cmd('DATA', '5');
    assert.match(r.raw, /^(503|554) 5\.5\.1/, r.raw);
    await c.cmd('MAIL FROM:<y@remote.test>', '503 5.5.1');
    await quit(c);
  });

  test('syntax errors: 501 5.5.4', async () => {
    const c = await RawSmtp.connect(p.ports.mx);
    await c.hello();
    await c.cmd('MAIL FROM:no-brackets@remote.test', '501 5.5.4');
    await c.cmd('MAIL TO:<x@remote.test>', '501 5.5.4');
    await quit(c);
  });

  test('bad address syntax: 501 with the RFC 3463 address codes (5.1.7 sender, 5.1.3 recipient)', async () => {
    const c = await RawSmtp.connect(p.ports.mx);
    await c.hello();
    await c.cmd('MAIL FROM:<x@@remote.test>', '501 5.1.7');
    await c.cmd('MAIL FROM:<x@remote.test>', '250');
    await c.cmd('RCPT TO:<unterminated@local.test', '501 5.1.3');
    await c.cmd('RCPT TO:<two@@local.test>', '501 5.1.3');
    await quit(c);
  });

  test('EHLO without a name: 501', async () => {
    const c = await RawSmtp.connect(p.ports.mx);
    await c.expect('220');
    await c.cmd('EHLO', '501');
    await quit(c);
  });

  test('unknown MAIL/RCPT parameter: 555 5.5.4', async () => {
    const c = await RawSmtp.connect(p.ports.mx);
    await c.hello();
    await c.cmd('MAIL FROM:<x@remote.test> FROBNICATE=yes', '555 5.5.4');
    await c.cmd('MAIL FROM:<x@remote.test>', '250');
    await c.cmd('RCPT TO:<postmaster@local.test> FROBNICATE=yes', '555 5.5.4');
    await quit(c);
  });

  test('VRFY 252, HELP 214, NOOP and RSET 250', async () => {
    const c = await RawSmtp.connect(p.ports.mx);
    await c.hello();
    await c.cmd('VRFY postmaster', '252');
    await c.cmd('HELP', '214');
    await c.cmd('NOOP', '250');
    await c.cmd('RSET', '250');
    await quit(c);
  });
});

describe('non-SMTP clients', () => {
  test('an HTTP request line closes the connection at once', async () => {
    const c = await RawSmtp.connect(p.ports.mx);
    await c.expect('220');
    await c.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    assert.ok(await c.waitClosed(5000), `still open; got ${JSON.stringify(c.pending.toString())}`);
  });

  test('POST too', async () => {
    const c = await RawSmtp.connect(p.ports.submission);
    await c.expect('220');
    await c.write('POST /x HTTP/1.0\r\n\r\n');
    assert.ok(await c.waitClosed(5000), `still open; got ${JSON.stringify(c.pending.toString())}`);
  });

  test('curl http:// fails instead of hanging', async () => {
    const r = await curl(['--max-time', '8', `http://127.0.0.1:${p.ports.mx}/`]);
    assert.notEqual(r.code, 0, describeRun(r));
    assert.notEqual(r.code, 28, `curl hit its timeout: the server did not close\n${describeRun(r)}`);
  });
});
