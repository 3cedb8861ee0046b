// Self-tests of the test DNS server with raw dns-packet queries over UDP and TCP: flags, negative
// answers with SOA, TXT splitting, PTR keys, CNAMEs, faults, truncation and zone replacement.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import dnsPacket from 'dns-packet';
import type { DecodedPacket, Packet, RecordType } from 'dns-packet';
import { FrameReader, frame } from '../../src/dns/framing.js';
import { startDnsServer, type TestDnsServer, type Zone } from './dns-server.js';

const LONG = 'a'.repeat(300);
const ZONE: Zone = {
  'Example.Test': { MX: [{ preference: 10, exchange: 'mx.example.test' }], TXT: [LONG, ['one', 'two']], A: ['192.0.2.1'] },
  'nullmx.test': { MX: [{ preference: 0, exchange: '' }] },
  '192.0.2.1': { PTR: ['mx.example.test'] },
  'www.example.test': { CNAME: 'example.test', ttl: 30 },
  'tc.test': { fault: 'truncate', A: ['192.0.2.5'] },
  'silent.test': { fault: 'timeout' },
  'picky.test': { fault: 'timeout-nodata', TXT: ['v=spf1 -all'] },
  'fail.test': { fault: 'servfail' },
  'no.test': { fault: 'refused' },
  'many.test': { TXT: Array.from({ length: 8 }, (_, i) => `${i}${'t'.repeat(100)}`) },
};

let dns: TestDnsServer;
before(async () => {
  dns = await startDnsServer(ZONE, { negativeTtl: 45 });
});
after(() => dns.close());

function query(name: string, type: RecordType, edns = false, id = 4321): Buffer {
  const opt = { type: 'OPT' as const, name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] };
  const packet: Packet = { type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type }], additionals: edns ? [opt] : [] };
  return dnsPacket.encode(packet);
}

/** Sends one datagram and waits up to `waitMs` for the reply; null when none came. */
function udp(bytes: Buffer, waitMs = 2000): Promise<DecodedPacket | null> {
  const socket = createSocket('udp4');
  return new Promise((resolve) => {
    const done = (result: DecodedPacket | null) => {
      clearTimeout(timer);
      socket.close();
      resolve(result);
    };
    const timer = setTimeout(() => done(null), waitMs);
    socket.on('message', (msg) => done(dnsPacket.decode(msg)));
    socket.send(bytes, dns.port, dns.address);
  });
}

/** Sends one framed query over a new TCP connection and reads one framed reply. */
function tcp(bytes: Buffer): Promise<DecodedPacket> {
  const socket = connect(dns.port, dns.address);
  const reader = new FrameReader();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => socket.destroy(new Error('no TCP answer')), 5000);
    socket.on('error', reject);
    socket.on('connect', () => socket.write(frame(bytes)));
    socket.on('data', (chunk: Buffer) => {
      reader.push(chunk);
      const message = reader.next();
      if (!message) return;
      clearTimeout(timer);
      socket.destroy();
      resolve(dnsPacket.decode(message));
    });
  });
}

const rcode = (p: DecodedPacket | null) => (p?.flags ?? -1) & 0x0f;

test('answers authoritatively, echoes id and RD, default TTL 300, any case', async () => {
  const r = await udp(query('EXAMPLE.test', 'MX'));
  assert.ok(r);
  assert.equal(r.id, 4321);
  assert.equal(r.flag_aa && r.flag_rd && r.flag_qr, true);
  assert.deepEqual(r.answers?.map((a) => [a.type, 'ttl' in a ? a.ttl : 0, 'data' in a ? a.data : null]), [['MX', 300, { preference: 10, exchange: 'mx.example.test' }]]);
  assert.equal(dns.server, `127.0.0.1:${dns.port}`);
});

test('NXDOMAIN and NODATA carry an SOA with the negative TTL', async () => {
  for (const [name, code] of [['missing.test', 3], ['nullmx.test', 0]] as const) {
    const r = await udp(query(name, 'A'));
    assert.equal(rcode(r), code, name);
    assert.equal(r?.answers?.length, 0);
    const soa = r?.authorities?.[0];
    assert.ok(soa?.type === 'SOA' && soa.ttl === 45 && soa.data.minimum === 45);
  }
});

test('TXT: long strings split at 255 bytes, string[] is one record of several strings', async () => {
  const r = await udp(query('example.test', 'TXT', true));
  const data = r?.answers?.map((a) => (a.type === 'TXT' && Array.isArray(a.data) ? a.data.map((s) => s.toString()) : null));
  assert.deepEqual(data, [['a'.repeat(255), 'a'.repeat(45)], ['one', 'two']]);
});

test('null MX, PTR by IP key, CNAME with the target records', async () => {
  const nullMx = await udp(query('nullmx.test', 'MX'));
  assert.deepEqual(nullMx?.answers?.[0]?.type === 'MX' && nullMx.answers[0].data, { preference: 0, exchange: '.' });
  const ptr = await udp(query('1.2.0.192.in-addr.arpa', 'PTR'));
  assert.deepEqual(ptr?.answers?.map((a) => a.type === 'PTR' && a.data), ['mx.example.test']);
  const alias = await udp(query('www.example.test', 'A'));
  assert.deepEqual(alias?.answers?.map((a) => [a.type, a.name, 'data' in a ? a.data : null]), [
    ['CNAME', 'www.example.test', 'example.test'],
    ['A', 'example.test', '192.0.2.1'],
  ]);
});

test('faults: servfail, refused, timeout, truncate (UDP only)', async () => {
  assert.equal(rcode(await udp(query('fail.test', 'A'))), 2);
  assert.equal(rcode(await udp(query('no.test', 'A'))), 5);
  assert.equal(await udp(query('silent.test', 'A'), 200), null);
  const truncated = await udp(query('tc.test', 'A'));
  assert.equal(truncated?.flag_tc, true);
  assert.equal(truncated?.answers?.length, 0);
  const full = await tcp(query('tc.test', 'A'));
  assert.equal(full.flag_tc, false);
  assert.deepEqual(full.answers?.map((a) => a.type === 'A' && a.data), ['192.0.2.5']);
});

test('fault timeout-nodata: records it has are served, other types go unanswered', async () => {
  const answered = await udp(query('picky.test', 'TXT'));
  assert.equal(answered?.answers?.length, 1);
  assert.equal(await udp(query('picky.test', 'A'), 200), null);
});

test('UDP answers beyond 512 bytes (no EDNS) or the EDNS size are truncated', async () => {
  assert.equal((await udp(query('many.test', 'TXT')))?.flag_tc, true);
  const withEdns = await udp(query('many.test', 'TXT', true));
  assert.equal(withEdns?.flag_tc, false);
  assert.equal(withEdns?.answers?.length, 8);
});

test('the query log and setZone', async () => {
  const before = dns.queries.length;
  dns.setZone({ 'new.test': { A: ['198.51.100.1'], ttl: 5 } });
  try {
    const r = await tcp(query('New.Test.', 'A'));
    assert.deepEqual(r.answers?.map((a) => [a.type === 'A' && a.data, 'ttl' in a && a.ttl]), [['198.51.100.1', 5]]);
    assert.equal(rcode(await udp(query('example.test', 'A'))), 3);
    assert.deepEqual(dns.queries.slice(before), [
      { name: 'new.test', type: 'A', transport: 'tcp' },
      { name: 'example.test', type: 'A', transport: 'udp' },
    ]);
  } finally {
    dns.setZone(ZONE);
  }
});

test('a fixed port and close twice', async () => {
  const probe = await startDnsServer({});
  const port = probe.port;
  await probe.close();
  const fixed = await startDnsServer({ 'x.test': { A: ['192.0.2.3'] } }, { port });
  assert.equal(fixed.port, port);
  await fixed.close();
  await fixed.close();
});
