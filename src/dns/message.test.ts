// The resolver's wire model on crafted packets: matching a response to its query, rcodes, CNAME
// walks, and negative TTLs from the SOA (RFC 2308).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket } from 'dns-packet';
import { answersQuery, buildQuery, decodeMessage, readOutcome } from './message.js';

/** A decoded response to "A example.test" with the given rcode number and sections. */
function response(rcode: number, answers: Answer[] = [], authorities: Answer[] = [], id = 7): DecodedPacket {
  const bytes = dnsPacket.encode({ type: 'response', id, flags: rcode, questions: [{ type: 'A', name: 'example.test' }], answers, authorities });
  return dnsPacket.decode(bytes);
}

const soa = (ttl: number, minimum: number): Answer => ({
  type: 'SOA', name: 'test', ttl, data: { mname: 'ns.test', rname: 'h.test', serial: 1, refresh: 1, retry: 1, expire: 1, minimum },
});
const a = (name: string, data: string, ttl = 300): Answer => ({ type: 'A', name, ttl, data });
const cname = (name: string, data: string, ttl = 300): Answer => ({ type: 'CNAME', name, ttl, data });

test('buildQuery: RD set, one question, EDNS0 OPT with 1232 bytes', () => {
  const q = dnsPacket.decode(buildQuery(4660, 'example.test', 'MX'));
  assert.equal(q.id, 4660);
  assert.equal(q.flag_rd, true);
  assert.deepEqual(q.questions, [{ name: 'example.test', type: 'MX', class: 'IN' }]);
  const opt = q.additionals?.[0];
  assert.ok(opt?.type === 'OPT' && opt.udpPayloadSize === 1232);
  assert.equal(dnsPacket.decode(buildQuery(1, 'example.test', 'MX', false)).additionals?.length, 0);
});

test('answersQuery: id, question name (any case) and type must match', () => {
  const r = response(0);
  assert.equal(answersQuery(r, 7, 'EXAMPLE.test', 'A'), true);
  assert.equal(answersQuery(r, 8, 'example.test', 'A'), false);
  assert.equal(answersQuery(r, 7, 'other.test', 'A'), false);
  assert.equal(answersQuery(r, 7, 'example.test', 'AAAA'), false);
  const query = dnsPacket.decode(buildQuery(7, 'example.test', 'A'));
  assert.equal(answersQuery(query, 7, 'example.test', 'A'), false, 'a query is not a response');
  assert.equal(decodeMessage(Buffer.from('garbage')), null);
});

test('readOutcome: records with the smallest TTL, through a CNAME chain', () => {
  const out = readOutcome(response(0, [cname('example.test', 'b.test', 50), cname('b.test', 'c.test', 400), a('c.test', '192.0.2.1', 90)]), 'example.test', 'A');
  assert.equal(out.kind, 'records');
  assert.ok(out.kind === 'records' && out.ttl === 50 && out.records.length === 1);
});

test('readOutcome: a chain ending without data asks for the target; loops are errors', () => {
  assert.deepEqual(readOutcome(response(0, [cname('example.test', 'B.test.', 40)]), 'example.test', 'A'), { kind: 'cname', target: 'b.test', ttl: 40 });
  const loop = readOutcome(response(0, [cname('example.test', 'b.test'), cname('b.test', 'example.test')]), 'example.test', 'A');
  assert.equal(loop.kind === 'error' && loop.code, 'SERVFAIL');
});

test('readOutcome: negative answers take min(SOA TTL, SOA minimum), or null without an SOA', () => {
  assert.deepEqual(readOutcome(response(3, [], [soa(900, 120)]), 'example.test', 'A'), { kind: 'negative', code: 'NXDOMAIN', ttl: 120 });
  assert.deepEqual(readOutcome(response(0, [], [soa(45, 120)]), 'example.test', 'A'), { kind: 'negative', code: 'NODATA', ttl: 45 });
  assert.deepEqual(readOutcome(response(0, [a('elsewhere.test', '192.0.2.9')]), 'example.test', 'A'), { kind: 'negative', code: 'NODATA', ttl: null });
  const nxChain = readOutcome(response(3, [cname('example.test', 'gone.test')], [soa(60, 60)]), 'example.test', 'A');
  assert.equal(nxChain.kind === 'negative' && nxChain.code, 'NXDOMAIN');
});

test('readOutcome: error rcodes', () => {
  const codes = [1, 2, 4, 5].map((rcode) => {
    const out = readOutcome(response(rcode), 'example.test', 'A');
    return out.kind === 'error' ? out.code : out.kind;
  });
  assert.deepEqual(codes, ['FORMERR', 'SERVFAIL', 'SERVFAIL', 'REFUSED']);
});
