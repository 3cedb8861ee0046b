// One question to one server: UDP first, TCP when the answer is truncated. Only a response with our
// id and question from that server counts. Fails with DnsError TIMEOUT (no answer in time) or NETWORK.
import { randomInt } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, isIP } from 'node:net';
import type { DecodedPacket } from 'dns-packet';
import { FrameReader, frame } from './framing.js';
import { answersQuery, buildQuery, decodeMessage, rcodeOf, type QueryType } from './message.js';
import { reverseName } from './names.js';
import { DnsError } from './types.js';

/** A DNS server to ask: an IP literal and a port. */
export interface DnsServerAddress {
  host: string;
  port: number;
}

/** The question being asked: a normalized name and a record type. */
export interface Question {
  name: string;
  type: QueryType;
}

/** Asks `server` over UDP, again without EDNS after a FORMERR (RFC 6891 §7), and over TCP if truncated. */
export async function exchange(server: DnsServerAddress, q: Question, timeoutMs: number): Promise<DecodedPacket> {
  let packet = await exchangeUdp(server, q, timeoutMs, true);
  if (rcodeOf(packet) === 'FORMERR' && !packet.additionals?.some((r) => r.type === 'OPT')) {
    packet = await exchangeUdp(server, q, timeoutMs, false);
  }
  if (packet.flag_tc) packet = await exchangeTcp(server, q, timeoutMs);
  return packet;
}

/** One UDP query with a fresh random id; datagrams that do not answer it are ignored until the timeout. */
export function exchangeUdp(server: DnsServerAddress, q: Question, timeoutMs: number, edns = true): Promise<DecodedPacket> {
  const id = randomInt(0, 0x10000);
  const socket = createSocket(isIP(server.host) === 6 ? 'udp6' : 'udp4');
  return settleOnce<DecodedPacket>(q, timeoutMs, () => close(socket), (resolve, fail) => {
    socket.on('error', fail);
    socket.on('message', (msg, from) => {
      if (from.port !== server.port || !sameAddress(from.address, server.host)) return;
      const packet = decodeMessage(msg);
      if (packet && answersQuery(packet, id, q.name, q.type)) resolve(packet);
    });
    // A connected socket hears ICMP "port unreachable" as ECONNREFUSED instead of waiting out the timer.
    // A connect that fails (no route to the server) passes its error to the callback and leaves the
    // socket unconnected, where send() would throw: fail the query instead of the process.
    const connected = (...args: unknown[]) => {
      if (args[0] instanceof Error) return fail(args[0]);
      try {
        socket.send(buildQuery(id, q.name, q.type, edns), (err) => err && fail(err));
      } catch (error) {
        fail(error as Error);
      }
    };
    socket.connect(server.port, server.host, connected);
  });
}

/** One TCP query on a fresh connection; the first framed response with our id and question wins. */
export function exchangeTcp(server: DnsServerAddress, q: Question, timeoutMs: number): Promise<DecodedPacket> {
  const id = randomInt(0, 0x10000);
  const socket = connect({ host: server.host, port: server.port });
  const reader = new FrameReader();
  return settleOnce<DecodedPacket>(q, timeoutMs, () => socket.destroy(), (resolve, fail) => {
    socket.on('connect', () => socket.write(frame(buildQuery(id, q.name, q.type))));
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed before an answer')));
    socket.on('data', (chunk: Buffer) => {
      reader.push(chunk);
      for (let message = reader.next(); message !== null; message = reader.next()) {
        const packet = decodeMessage(message);
        if (!packet) return fail(new Error('undecodable response'));
        if (answersQuery(packet, id, q.name, q.type)) return resolve(packet);
      }
    });
  });
}

type Body<T> = (resolve: (value: T) => void, fail: (err: Error) => void) => void;

/** A promise that settles once: by `body`, or with TIMEOUT after `timeoutMs`; `cleanup` runs either way. */
function settleOnce<T>(q: Question, timeoutMs: number, cleanup: () => void, body: Body<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      cleanup();
      outcome();
    };
    const timer = setTimeout(() => finish(() => reject(new DnsError('TIMEOUT', q.name, q.type))), timeoutMs);
    const fail = (err: Error) => finish(() => reject(new DnsError('NETWORK', q.name, q.type, `${q.type} ${q.name}: ${err.message}`)));
    try {
      body((value) => finish(() => resolve(value)), fail);
    } catch (err) {
      fail(err instanceof Error ? err : new Error(String(err)));
    }
  });
}

function close(socket: UdpSocket): void {
  socket.on('error', () => {}); // a late ICMP error after close must not crash the process
  try {
    socket.close();
  } catch {
    // already closed (a failed connect closes it)
  }
}

/** Same IP address, whatever the spelling of an IPv6 literal. */
function sameAddress(a: string, b: string): boolean {
  if (a === b) return true;
  return isIP(a) === 6 && isIP(b) === 6 && reverseName(a) === reverseName(b);
}
