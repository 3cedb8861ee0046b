// The whole chain of issue 4: a message submitted to one Petrel is DKIM-signed with the key
// `domain records` told us to publish, delivered by MX to a second Petrel, and that MX's
// Authentication-Results says spf=pass dkim=pass dmarc=pass; a forged From fails DMARC there (550 5.7.1).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DnsRecord } from '../../src/auth/records.js';
import { eventually, messagesWhere, submit, untilRecipients } from '../kit/delivery.js';
import { startDnsServer, type TestDnsServer, type Zone } from '../kit/dns-server.js';
import { tag } from '../kit/mail.js';
import { startPetrel, type Petrel } from '../kit/petrel.js';
import { freePort } from '../kit/ports.js';
import { headerBlock, readStoredBody } from '../kit/store.js';

const SOURCE_IP = '127.0.0.21'; // the sender's delivery.sources address, published in its SPF
const B_IP = '127.0.0.22';

describe('signed on submission, verified at the receiving MX', () => {
  let dns: TestDnsServer;
  let a: Petrel;
  let b: Petrel;

  before(async () => {
    const mxPort = await freePort();
    const base: Zone = {
      'b.test': { MX: [{ preference: 10, exchange: 'mx.b.test' }] },
      'mx.b.test': { A: [B_IP] },
      'forged.test': { TXT: ['v=spf1 -all'] },
      '_dmarc.forged.test': { TXT: ['v=DMARC1; p=reject'] },
    };
    dns = await startDnsServer(base);
    b = await startPetrel({
      mxPort,
      listeners: { mx: { address: B_IP } },
      dns: { servers: [dns.server] },
      inbound: { checks: true },
      setup: [{ args: ['domain', 'add', 'b.test', '--local', '--catch-all'] }],
    });
    a = await startPetrel({
      dns: { servers: [dns.server] },
      delivery: { enabled: true, mxPort, pollIntervalMs: 200, mtaSts: { enabled: false }, sources: [{ address: SOURCE_IP }] },
    });
    // Publish exactly what `petrel domain records` says, plus DMARC at p=reject for the test.
    const r = await a.cli(['domain', 'records', 'example.test', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const zone: Zone = { ...base };
    for (const rec of JSON.parse(r.stdout) as DnsRecord[]) {
      if (rec.type !== 'TXT') continue;
      const value = rec.name === '_dmarc.example.test' ? ['v=DMARC1; p=reject'] : rec.strings;
      zone[rec.name] = { TXT: [...(zone[rec.name]?.TXT ?? []), value] };
    }
    dns.setZone(zone);
  });

  after(async () => {
    await Promise.allSettled([a?.dispose(), b?.dispose(), dns?.close()]);
  });

  test('the receiving MX finds spf=pass dkim=pass dmarc=pass', async () => {
    const subject = tag('chain');
    const id = await submit(a, { to: ['carol@b.test'], subject });
    await untilRecipients(a, id, ['delivered']);
    const stored = await eventually(() => messagesWhere(b, "direction = 'inbound'")
      .map((m) => readStoredBody(b.dataDir, m.id))
      .find((body) => body.includes(subject)), () => `not at B; A logs:\n${a.logs.slice(-2000)}`);
    const header = headerBlock(stored).replace(/\r\n[ \t]+/g, ' ');
    const results = /^Authentication-Results: mail\.petrel\.test;(.*)$/m.exec(header)?.[1] ?? '';
    assert.match(results, /spf=pass/, header);
    assert.match(results, /dkim=pass[^;]*header\.i=@example\.test/, header);
    assert.match(results, /dmarc=pass/, header);
  });

  test('a forged From fails DMARC at the receiving MX: 550 5.7.1, and the sender gets the bounce', async () => {
    const id = await submit(a, { to: ['dave@b.test'], subject: tag('forged'), extra: ['--header', 'From: <ceo@forged.test>'] });
    const [row] = await untilRecipients(a, id, ['bounced']);
    assert.deepEqual([row?.lastCode, row?.lastEnhanced], [550, '5.7.1']);
    assert.match(row?.lastText ?? '', /DMARC/);
  });
});
