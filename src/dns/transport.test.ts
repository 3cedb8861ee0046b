// The resolver against scripted servers we control byte for byte: forged responses are ignored, TCP
// frames arrive in pieces, a bare CNAME is chased, FORMERR drops EDNS, an SOA-less negative lives 60 s.
import assert from 'node:assert/strict';
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket } from 'dns-packet';
import { FrameReader, frame } from './framing.js';
import { DnsResolver } from './resolver.js';
import { exchangeTcp, type DnsServerAddress } from './transport.js';

type Handler = (query: DecodedPacket, from: RemoteInfo, socket: UdpSocket) => void | Promise<void>;

/** A UDP server on 127.0.0.1 that hands every decoded query to `handler`. */
async function scriptedUdp(handler: Handler) {
  const socket = createSocket('udp4');
  const queries: DecodedPacket[] = [];
  socket.on('message', (msg, from) => {
    const query = dnsPacket.decode(msg);
    queries.push(query);
    void handler(query, from, socket);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const server: DnsServerAddress = { host: '127.0.0.1', port: socket.address().port };
  return { server, queries, close: () => new Promise<void>((resolve) => socket.close(() => resolve())) };
}

/** An encoded response to `query`; `change` may alter any field. */
function reply(query: DecodedPacket, answers: Answer[], change: Partial<Parameters<typeof dnsPacket.encode>[0]> = {}): Buffer {
  return dnsPacket.encode({ type: 'response', id: query.id, flags: dnsPacket.AUTHORITATIVE_ANSWER, questions: query.questions, answers, ...change });
}

const aRecord = (name: string, data: string): Answer => ({ type: 'A', name, ttl: 300, data });

function resolver(server: DnsServerAddress, now?: () => number): DnsResolver {
  return new DnsResolver({ servers: [server], timeoutMs: 2000, attempts: 1, minTtlSeconds: 0, maxTtlSeconds: 3600, cacheSize: 10, now });
}

test('responses with a wrong id, question, type or source, or garbage, are ignored', async () => {
  const spoofer = createSocket('udp4');
  await new Promise<void>((resolve) => spoofer.bind(0, '127.0.0.1', resolve));
  const dns = await scriptedUdp(async (query, from, socket) => {
    const q = query.questions![0]!;
    const send = (bytes: Buffer, via = socket) => via.send(bytes, from.port, from.address);
    send(reply(query, [aRecord(q.name, '192.0.2.66')]), spoofer); // right id, wrong source port
    send(reply(query, [aRecord(q.name, '192.0.2.66')], { id: ((query.id ?? 0) + 1) & 0xffff }));
    send(reply(query, [aRecord('other.test', '192.0.2.66')], { questions: [{ type: 'A', name: 'other.test' }] }));
    send(reply(query, [], { questions: [{ type: 'AAAA', name: q.name }] }));
    send(Buffer.from('not dns at all'));
    await sleep(20);
    send(reply(query, [aRecord(q.name, '192.0.2.1')]));
  });
  try {
    assert.deepEqual(await resolver(dns.server).a('Example.Test'), ['192.0.2.1']);
  } finally {
    await dns.close();
    await new Promise<void>((resolve) => spoofer.close(() => resolve()));
  }
});

test('a bare CNAME in the answer: the target is queried and its records returned', async () => {
  const dns = await scriptedUdp((query, from, socket) => {
    const name = query.questions![0]!.name;
    const answers: Answer[] = name === 'alias.test' ? [{ type: 'CNAME', name, ttl: 300, data: 'real.test' }] : [aRecord(name, '192.0.2.9')];
    socket.send(reply(query, answers), from.port, from.address);
  });
  try {
    assert.deepEqual(await resolver(dns.server).a('alias.test'), ['192.0.2.9']);
    assert.deepEqual(dns.queries.map((q) => q.questions![0]!.name), ['alias.test', 'real.test']);
  } finally {
    await dns.close();
  }
});

test('FORMERR: asked again without EDNS, then reported as FORMERR', async () => {
  const dns = await scriptedUdp((query, from, socket) => {
    socket.send(reply(query, [], { flags: 1 }), from.port, from.address);
  });
  try {
    await assert.rejects(resolver(dns.server).a('old.test'), { code: 'FORMERR' });
    assert.deepEqual(dns.queries.map((q) => q.additionals?.length), [1, 0]);
  } finally {
    await dns.close();
  }
});

test('a negative answer without SOA is cached for 60 seconds', async () => {
  let clock = 0;
  const dns = await scriptedUdp((query, from, socket) => socket.send(reply(query, []), from.port, from.address));
  try {
    const r = resolver(dns.server, () => clock);
    await assert.rejects(r.a('empty.test'), { code: 'NODATA' });
    clock = 59_999;
    await assert.rejects(r.a('empty.test'), { code: 'NODATA' });
    assert.equal(dns.queries.length, 1);
    clock = 60_000;
    await assert.rejects(r.a('empty.test'), { code: 'NODATA' });
    assert.equal(dns.queries.length, 2);
  } finally {
    await dns.close();
  }
});

test('TCP: a wrong-id frame is skipped and the answer arrives one byte at a time', async () => {
  const server = createServer((socket: Socket) => {
    socket.setNoDelay(true);
    const reader = new FrameReader();
    socket.on('data', async (bytes: Buffer) => {
      reader.push(bytes);
      const message = reader.next();
      if (!message) return;
      const query = dnsPacket.decode(message);
      const wrong = frame(reply(query, [aRecord('tcp.test', '192.0.2.66')], { id: ((query.id ?? 0) + 1) & 0xffff }));
      const right = frame(reply(query, [aRecord('tcp.test', '192.0.2.7')]));
      for (const byte of Buffer.concat([wrong, right])) {
        socket.write(Buffer.from([byte]));
        await sleep(1);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  try {
    const packet = await exchangeTcp({ host: '127.0.0.1', port }, { name: 'tcp.test', type: 'A' }, 5000);
    assert.deepEqual(packet.answers?.map((r) => (r.type === 'A' ? r.data : r.type)), ['192.0.2.7']);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('TCP: a connection closed before an answer is NETWORK', async () => {
  const server = createServer((socket: Socket) => socket.once('data', () => socket.end()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  try {
    await assert.rejects(exchangeTcp({ host: '127.0.0.1', port }, { name: 'tcp.test', type: 'A' }, 5000), { code: 'NETWORK' });
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
