// The resolver's wire model, without I/O: builds a query, checks that a response answers it, and reads
// a response into records, a CNAME to chase, a negative answer with its TTL, or an rcode error.
import dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, Packet, StringAnswer } from 'dns-packet';
import type { DnsErrorCode } from './types.js';

/** Record types the resolver asks for. */
export type QueryType = 'MX' | 'A' | 'AAAA' | 'TXT' | 'PTR';

/** What one response says about (name, type). TTLs are in seconds, before clamping. */
export type Outcome =
  | { kind: 'records'; records: Answer[]; ttl: number }
  | { kind: 'cname'; target: string; ttl: number } // the chain left the answer without data
  | { kind: 'negative'; code: 'NXDOMAIN' | 'NODATA'; ttl: number | null } // null: no SOA given
  | { kind: 'error'; code: DnsErrorCode; rcode: string };

/** The UDP payload size we advertise (the DNS flag day 2020 value, safe from fragmentation). */
export const EDNS_UDP_SIZE = 1232;

const RCODE_MASK = 0x0f;
const MAX_CHAIN = 8;

/** A recursive query (RD) for one question, with an EDNS0 OPT record unless `edns` is false. */
export function buildQuery(id: number, name: string, type: QueryType, edns = true): Buffer {
  const packet: Packet = {
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type, name, class: 'IN' }],
    additionals: edns ? [ednsOpt()] : [],
  };
  return dnsPacket.encode(packet);
}

function ednsOpt(): Answer {
  return { type: 'OPT', name: '.', udpPayloadSize: EDNS_UDP_SIZE, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] };
}

/** Decodes bytes, or null when they are not a DNS message. */
export function decodeMessage(bytes: Buffer): DecodedPacket | null {
  try {
    return dnsPacket.decode(bytes);
  } catch {
    return null;
  }
}

/** True when `packet` is a response to our query: same id, one question, same name (any case) and type. */
export function answersQuery(packet: DecodedPacket, id: number, name: string, type: QueryType): boolean {
  const question = packet.questions?.[0];
  if (!packet.flag_qr || packet.id !== id || packet.questions?.length !== 1 || !question) return false;
  return question.type === type && sameName(question.name, name);
}

/** The rcode name of a decoded response ("NOERROR", "NXDOMAIN", ...). */
export function rcodeOf(packet: DecodedPacket): string {
  const code = (packet.flags ?? 0) & RCODE_MASK;
  return ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'][code] ?? `RCODE_${code}`;
}

/** Reads a response to (name, type), following CNAMEs inside its answer section. */
export function readOutcome(packet: DecodedPacket, name: string, type: QueryType): Outcome {
  const rcode = rcodeOf(packet);
  if (rcode !== 'NOERROR' && rcode !== 'NXDOMAIN') return { kind: 'error', code: errorCode(rcode), rcode };
  const answers = packet.answers ?? [];
  const chain = walkChain(answers, name, type);
  if (chain.kind === 'loop') return { kind: 'error', code: 'SERVFAIL', rcode: 'CNAME loop in answer' };
  if (chain.records.length > 0) return { kind: 'records', records: chain.records, ttl: minTtl([...chain.records, ...chain.cnames]) };
  const ttl = negativeTtl(packet.authorities ?? []);
  if (rcode === 'NXDOMAIN') return { kind: 'negative', code: 'NXDOMAIN', ttl };
  if (chain.cnames.length > 0) return { kind: 'cname', target: chain.name, ttl: minTtl(chain.cnames) };
  return { kind: 'negative', code: 'NODATA', ttl };
}

type Chain = { kind: 'loop' } | { kind: 'end'; name: string; records: Answer[]; cnames: Answer[] };

/** From `name`, hop along CNAMEs in the answer until a name owns records of `type` or has no alias. */
function walkChain(answers: Answer[], name: string, type: QueryType): Chain {
  const cnames: Answer[] = [];
  const seen = new Set<string>();
  let current = name.toLowerCase();
  for (let hop = 0; hop <= MAX_CHAIN; hop++) {
    if (seen.has(current)) return { kind: 'loop' };
    seen.add(current);
    const records = answers.filter((a) => a.type === type && sameName(a.name, current));
    if (records.length > 0) return { kind: 'end', name: current, records, cnames };
    const alias = answers.find((a): a is StringAnswer => a.type === 'CNAME' && sameName(a.name, current));
    if (!alias) return { kind: 'end', name: current, records: [], cnames };
    cnames.push(alias);
    current = bareName(alias.data);
  }
  return { kind: 'loop' }; // longer than any sane chain: treat like a loop
}

/** RFC 2308 §5: a negative answer lives for min(SOA TTL, SOA MINIMUM); null when there is no SOA. */
function negativeTtl(authorities: Answer[]): number | null {
  const soa = authorities.find((a) => a.type === 'SOA');
  if (!soa || soa.type !== 'SOA') return null;
  return Math.min(soa.ttl ?? 0, soa.data.minimum ?? 0);
}

function minTtl(records: Answer[]): number {
  return Math.min(...records.map((r) => ('ttl' in r ? r.ttl ?? 0 : 0)));
}

function errorCode(rcode: string): DnsErrorCode {
  return rcode === 'FORMERR' || rcode === 'REFUSED' ? rcode : 'SERVFAIL'; // NOTIMP and the rest: server failed us
}

/** Lower case, no trailing dot. */
export function bareName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') && lower.length > 1 ? lower.slice(0, -1) : lower;
}

function sameName(a: string, b: string): boolean {
  return bareName(a) === bareName(b);
}
