// Inbound SPF/DKIM/DMARC on the MX role: a test DNS server publishes sender.test's policy, swaks sends,
// and the stored message carries our Authentication-Results (or a DMARC reject gets 550 5.7.1).
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { dkimSign } from 'mailauth/lib/dkim/sign.js';
import { startDnsServer, type TestDnsServer } from '../kit/dns-server.js';
import { tag } from '../kit/mail.js';
import { swaks, swaksServerLines } from '../kit/peers.js';
import { startPetrel, type Petrel } from '../kit/petrel.js';
import { headerBlock, readAllMessages } from '../kit/store.js';
import { describeRun } from '../kit/tools.js';

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const DKIM_P = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
const ZONE = {
  'sender.test': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] },
  '_dmarc.sender.test': { TXT: ['v=DMARC1; p=reject'] },
  'sel._domainkey.sender.test': { TXT: [`v=DKIM1; k=rsa; p=${DKIM_P}`] },
};

function message(subject: string, extraHeaders = ''): string {
  return `${extraHeaders}From: someone@sender.test\r\nTo: bob@local.test\r\nSubject: ${subject}\r\nDate: Sat, 28 Nov 2026 12:00:00 +0000\r\nMessage-ID: <${subject}@sender.test>\r\n\r\nHello.\r\n`;
}

async function signed(msg: string): Promise<string> {
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const r = await dkimSign(msg, { canonicalization: 'relaxed/relaxed', signatureData: [{ signingDomain: 'sender.test', selector: 'sel', privateKey: pem }] });
  return r.signatures + msg;
}

describe('inbound authentication on mx', () => {
  let dns: TestDnsServer;
  let p: Petrel;

  before(async () => {
    dns = await startDnsServer(ZONE);
    p = await startPetrel({ log: { level: 'warn' }, dns: { servers: [dns.server] }, inbound: { checks: true } });
  });
  after(async () => {
    await p?.dispose();
    await dns?.close();
  });

  /** Send `msg` with swaks to the MX port; `from` is MAIL FROM, `bind` the client address. */
  const send = (msg: string, from: string, bind = '127.0.0.1') =>
    swaks(['--server', `127.0.0.1:${p.ports.mx}`, '--local-interface', bind, '--from', from, '--to', 'bob@local.test', '--data', '-'], msg);

  const storedWith = (subject: string) => readAllMessages(p.dataDir).filter((m) => headerBlock(m.body).includes(`Subject: ${subject}`));

  test('a signed message from an SPF-permitted IP: spf, dkim and dmarc pass', async () => {
    const subject = tag('pass');
    const r = await send(await signed(message(subject)), 'someone@sender.test');
    assert.equal(r.code, 0, describeRun(r));
    const [m] = storedWith(subject);
    assert.ok(m, 'message not stored');
    const head = headerBlock(m.body);
    assert.ok(head.startsWith('Received-SPF: pass') || head.startsWith('Authentication-Results:'), head);
    const ar = /Authentication-Results: mail\.petrel\.test;[^]*?\r\n(?=\S)/.exec(head)?.[0] ?? '';
    assert.match(ar, /spf=pass/, head);
    assert.match(ar, /dkim=pass/, head);
    assert.match(ar, /dmarc=pass/, head);
  });

  test('DMARC p=reject failing (SPF fail, no DKIM): 550 5.7.1 at end of data, nothing stored', async () => {
    const subject = tag('reject');
    const r = await send(message(subject), 'someone@sender.test', '127.0.0.2');
    assert.notEqual(r.code, 0, describeRun(r));
    assert.ok(swaksServerLines(r).some((l) => l.startsWith('550 5.7.1') && /DMARC/.test(l)), describeRun(r));
    assert.deepEqual(storedWith(subject), []);
  });

  test('a forged Authentication-Results with our authserv-id is removed', async () => {
    const subject = tag('forged');
    const forged = 'Authentication-Results: mail.petrel.test; dkim=pass header.d=sender.test\r\nAuthentication-Results: other.test; spf=pass\r\n';
    const r = await send(await signed(message(subject, forged)), 'someone@sender.test');
    assert.equal(r.code, 0, describeRun(r));
    const [m] = storedWith(subject);
    assert.ok(m, 'message not stored');
    const head = headerBlock(m.body);
    assert.equal(head.split('Authentication-Results: mail.petrel.test;').length, 2, head); // ours only
    assert.doesNotMatch(head, /mail\.petrel\.test; dkim=pass header\.d/);
    assert.match(head, /Authentication-Results: other\.test; spf=pass/);
  });
});
