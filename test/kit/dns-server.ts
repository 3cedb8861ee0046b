// A small authoritative DNS server for tests: UDP and TCP on one loopback port, answering from a zone
// given as data, with per-name faults. Start rejects if the address cannot be bound; bad queries are dropped.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIP, type Server, type Socket } from 'node:net';
import dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, Packet } from 'dns-packet';
import { FrameReader, frame } from '../../src/dns/framing.js';
import { reverseName } from '../../src/dns/names.js';

/** Records of one owner name; `fault` makes every query for the name misbehave. */
export type ZoneEntry = {
  MX?: { preference: number; exchange: string }[]; // exchange "." or "" is the null MX
  A?: string[];
  AAAA?: string[];
  TXT?: (string | string[])[]; // string[]: one record of several strings; >255 bytes: split automatically
  PTR?: string[];
  CNAME?: string;
  ttl?: number; // for every record of the entry; default 300
  fault?: 'servfail' | 'refused' | 'timeout' | 'truncate' | 'timeout-nodata'; // timeout-nodata: silent for types it lacks
};
/** Owner names (any case, no trailing dot; an IP literal stands for its reverse name) to records. */
export type Zone = Record<string, ZoneEntry>;

/** A running server; `server` is its "ip:port" for config dns.servers. */
export interface TestDnsServer {
  address: string;
  port: number;
  server: string;
  queries: { name: string; type: string; transport: 'udp' | 'tcp' }[];
  setZone(zone: Zone): void;
  close(): Promise<void>;
}

type Transport = 'udp' | 'tcp';
type ZoneMap = Map<string, ZoneEntry>;

const DEFAULT_TTL = 300;
const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;
const CLASSIC_UDP_SIZE = 512;
const MAX_CHAIN = 8;
const BIND_TRIES = 20;

/**
 * Serves `zone` on `address` (default 127.0.0.1) and `port` (default: a free one, the same for UDP and TCP).
 * @example const dns = await startDnsServer({ 'example.test': { MX: [{ preference: 10, exchange: 'mx.example.test' }] } });
 */
export async function startDnsServer(zone: Zone, opts: { address?: string; port?: number; negativeTtl?: number } = {}): Promise<TestDnsServer> {
  const address = opts.address ?? '127.0.0.1';
  const negativeTtl = opts.negativeTtl ?? 60;
  let zoneMap = normalizeZone(zone);
  const queries: TestDnsServer['queries'] = [];
  const handle = (bytes: Buffer, transport: Transport): Buffer | null => {
    const query = decode(bytes);
    if (!query || query.flag_qr) return null;
    const question = query.questions?.[0];
    if (question) queries.push({ name: bareName(question.name), type: question.type, transport });
    const response = respond(zoneMap, query, transport, negativeTtl);
    return response && fitUdp(query, response, transport);
  };
  const { udp, tcp, port, sockets } = await bindBoth(address, opts.port ?? 0, handle);
  let closing: Promise<void> | undefined;
  return {
    address,
    port,
    server: isIP(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`,
    queries,
    setZone: (next) => void (zoneMap = normalizeZone(next)),
    close: () => (closing ??= closeAll(udp, tcp, sockets)),
  };
}

/** The response to `query`, or null when the asked name has the "timeout" fault. */
function respond(zone: ZoneMap, query: DecodedPacket, transport: Transport, negativeTtl: number): Packet | null {
  const question = query.questions?.[0];
  const opt = query.additionals?.find((r) => r.type === 'OPT');
  const base = {
    type: 'response' as const,
    id: query.id ?? 0,
    questions: question ? [question] : [],
    additionals: opt ? [{ ...opt, udpPayloadSize: 1232, options: [] }] : [],
  };
  const flags = dnsPacket.AUTHORITATIVE_ANSWER | ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED);
  if (!question || query.questions?.length !== 1) return { ...base, flags: flags | RCODE.FORMERR };
  const name = bareName(question.name);
  const fault = zone.get(name)?.fault;
  if (fault === 'timeout') return null;
  if (fault === 'servfail') return { ...base, flags: flags | RCODE.SERVFAIL };
  if (fault === 'refused') return { ...base, flags: flags | RCODE.REFUSED };
  if (fault === 'truncate' && transport === 'udp') return { ...base, flags: flags | dnsPacket.TRUNCATED_RESPONSE };
  const found = lookup(zone, name, question.type);
  if (fault === 'timeout-nodata' && found.answers.length === 0) return null; // a server that drops queries it cannot answer
  const authorities = found.complete ? [] : [soa(name, negativeTtl)];
  return { ...base, flags: flags | found.rcode, answers: found.answers, authorities };
}

type Found = { answers: Answer[]; rcode: number; complete: boolean }; // complete: no SOA needed

/** Records of `type` at `name`, through CNAMEs whose targets are in the zone. */
function lookup(zone: ZoneMap, name: string, type: string): Found {
  const answers: Answer[] = [];
  let current = name;
  for (let hop = 0; hop <= MAX_CHAIN; hop++) {
    const entry = zone.get(current);
    if (!entry) return { answers, rcode: hop === 0 ? RCODE.NXDOMAIN : RCODE.NOERROR, complete: hop > 0 };
    const records = recordsOf(current, entry, type);
    if (records.length > 0) return { answers: [...answers, ...records], rcode: RCODE.NOERROR, complete: true };
    if (entry.CNAME === undefined) return { answers, rcode: RCODE.NOERROR, complete: false };
    answers.push({ type: 'CNAME', name: current, ttl: entry.ttl ?? DEFAULT_TTL, data: entry.CNAME });
    current = bareName(entry.CNAME);
  }
  return { answers, rcode: RCODE.NOERROR, complete: true }; // a loop in the zone: hand the chain back as is
}

function recordsOf(owner: string, entry: ZoneEntry, type: string): Answer[] {
  const common = { name: owner, ttl: entry.ttl ?? DEFAULT_TTL };
  switch (type) {
    case 'MX':
      return (entry.MX ?? []).map((mx) => ({ ...common, type, data: { preference: mx.preference, exchange: mx.exchange || '.' } }));
    case 'A':
    case 'AAAA':
    case 'PTR':
      return (entry[type] ?? []).map((data) => ({ ...common, type, data }));
    case 'TXT':
      return (entry.TXT ?? []).map((txt) => ({ ...common, type, data: txtStrings(txt) }));
    case 'CNAME':
      return entry.CNAME === undefined ? [] : [{ ...common, type, data: entry.CNAME }];
    default:
      return [];
  }
}

/** One TXT record's character-strings, each at most 255 bytes. */
function txtStrings(value: string | string[]): Buffer[] {
  return (Array.isArray(value) ? value : [value]).flatMap((text) => {
    const bytes = Buffer.from(text, 'utf8');
    const parts: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += 255) parts.push(bytes.subarray(at, at + 255));
    return parts.length > 0 ? parts : [Buffer.alloc(0)];
  });
}

function soa(name: string, ttl: number): Answer {
  const apex = name.split('.').slice(-2).join('.');
  const data = { mname: `ns.${apex}`, rname: `hostmaster.${apex}`, serial: 1, refresh: 3600, retry: 600, expire: 86400, minimum: ttl };
  return { type: 'SOA', name: apex, ttl, data };
}

/** The encoded response; over UDP, one too big for the client's buffer is sent truncated instead. */
function fitUdp(query: DecodedPacket, response: Packet, transport: Transport): Buffer {
  const bytes = dnsPacket.encode(response);
  const opt = query.additionals?.find((r) => r.type === 'OPT');
  const limit = opt && opt.type === 'OPT' ? Math.max(opt.udpPayloadSize, CLASSIC_UDP_SIZE) : CLASSIC_UDP_SIZE;
  if (transport === 'tcp' || bytes.length <= limit) return bytes;
  const flags = (response.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE;
  return dnsPacket.encode({ ...response, flags, answers: [], authorities: [] });
}

function normalizeZone(zone: Zone): ZoneMap {
  const map: ZoneMap = new Map();
  for (const [key, entry] of Object.entries(zone)) map.set(isIP(key) !== 0 ? reverseName(key) : bareName(key), entry);
  return map;
}

function bareName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

function decode(bytes: Buffer): DecodedPacket | null {
  try {
    return dnsPacket.decode(bytes);
  } catch {
    return null;
  }
}

type Handler = (bytes: Buffer, transport: Transport) => Buffer | null;
type Bound = { udp: UdpSocket; tcp: Server; port: number; sockets: Set<Socket> };

/** UDP and TCP on one port; with port 0, retries when the UDP port is taken for TCP. */
async function bindBoth(address: string, port: number, handle: Handler): Promise<Bound> {
  for (let tryNo = 1; ; tryNo++) {
    const udp = await bindUdp(address, port, handle);
    const udpPort = udp.address().port;
    const sockets = new Set<Socket>();
    try {
      return { udp, tcp: await listenTcp(address, udpPort, handle, sockets), port: udpPort, sockets };
    } catch (err) {
      udp.close();
      if (port !== 0 || tryNo >= BIND_TRIES || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    }
  }
}

function bindUdp(address: string, port: number, handle: Handler): Promise<UdpSocket> {
  const udp = createSocket(isIP(address) === 6 ? 'udp6' : 'udp4');
  udp.on('message', (msg, from) => {
    const reply = handle(msg, 'udp');
    if (reply) udp.send(reply, from.port, from.address);
  });
  return new Promise((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(port, address, () => {
      udp.off('error', reject);
      udp.on('error', () => {}); // a send to a vanished client must not crash the test run
      resolve(udp);
    });
  });
}

function listenTcp(address: string, port: number, handle: Handler, sockets: Set<Socket>): Promise<Server> {
  const tcp = createServer((socket) => {
    sockets.add(socket);
    const reader = new FrameReader();
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      reader.push(chunk);
      for (let message = reader.next(); message !== null; message = reader.next()) {
        const reply = handle(message, 'tcp');
        if (reply) socket.write(frame(reply));
      }
    });
  });
  return new Promise((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(port, address, () => {
      tcp.off('error', reject);
      resolve(tcp);
    });
  });
}

async function closeAll(udp: UdpSocket, tcp: Server, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  await Promise.all([new Promise<void>((resolve) => udp.close(() => resolve())), new Promise<void>((resolve) => tcp.close(() => resolve()))]);
}
