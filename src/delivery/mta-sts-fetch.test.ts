import { strict as assert } from 'node:assert';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { httpsPolicyFetcher, StsFetchError } from './mta-sts-fetch.js';
import { makeTestCa, stubResolver, type TestCa } from './mta-sts-testkit.js';

const POLICY = 'version: STSv1\nmode: enforce\nmx: mx.example.test\nmax_age: 86400\n';
type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface TestServer {
  port: number;
  seen: Array<{ url: string; host: string }>;
  close(): Promise<void>;
}

async function startServer(pair: { cert: string; key: string }, handler: () => Handler): Promise<TestServer> {
  const seen: TestServer['seen'] = [];
  const server = https.createServer(pair, (req, res) => {
    seen.push({ url: req.url ?? '', host: req.headers.host ?? '' });
    handler()(req, res);
  });
  server.on('tlsClientError', () => {}); // the client side reports
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { port: (server.address() as AddressInfo).port, seen, close };
}

/** Rejects with a StsFetchError of `kind` whose message matches `pattern`. */
async function assertFails(promise: Promise<string>, kind: 'fetch' | 'webpki', pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof StsFetchError, String(err));
    assert.equal(err.kind, kind, err.message);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('httpsPolicyFetcher', () => {
  let ca: TestCa;
  let good: TestServer;
  let wrongName: TestServer;
  let handler: Handler = (_req, res) => res.end();
  const resolver = stubResolver({ 'mta-sts.example.test': { a: ['127.0.0.1'] } });

  before(async () => {
    ca = await makeTestCa();
    good = await startServer(await ca.leaf(['mta-sts.example.test']), () => handler);
    wrongName = await startServer(await ca.leaf(['mta-sts.other.test']), () => handler);
  });
  after(async () => {
    await good?.close();
    await wrongName?.close();
  });

  const fetcher = (port: number, extra: { timeoutMs?: number; ca?: string[] } = {}) =>
    httpsPolicyFetcher({ resolver, port, timeoutMs: extra.timeoutMs ?? 5000, ca: extra.ca ?? [ca.cert] });

  it('fetches the policy by name over verified TLS', async () => {
    handler = (_req, res) => res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end(POLICY);
    assert.equal(await fetcher(good.port)('Example.TEST.'), POLICY);
    assert.deepEqual(good.seen.at(-1), { url: '/.well-known/mta-sts.txt', host: `mta-sts.example.test:${good.port}` });
  });

  it('tries the next address when a connection is refused', async () => {
    handler = (_req, res) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end(POLICY);
    const twoAddresses = stubResolver({ 'mta-sts.example.test': { a: ['127.0.0.2', '127.0.0.1'] } });
    const fetch = httpsPolicyFetcher({ resolver: twoAddresses, port: good.port, timeoutMs: 5000, ca: [ca.cert] });
    assert.equal(await fetch('example.test'), POLICY);
  });

  it('refuses a certificate for another name, or from an untrusted CA', async () => {
    handler = (_req, res) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end(POLICY);
    await assertFails(fetcher(wrongName.port)('example.test'), 'webpki', /certificate not valid/);
    await assertFails(fetcher(good.port, { ca: [] })('example.test'), 'webpki', /certificate not valid/);
  });

  it('refuses redirects and other statuses', async () => {
    handler = (_req, res) => res.writeHead(301, { Location: 'https://elsewhere.test/' }).end();
    await assertFails(fetcher(good.port)('example.test'), 'fetch', /redirect refused \(HTTP 301\)/);
    handler = (_req, res) => res.writeHead(404, { 'Content-Type': 'text/plain' }).end('no');
    await assertFails(fetcher(good.port)('example.test'), 'fetch', /HTTP status 404/);
  });

  it('refuses a media type other than text/plain', async () => {
    handler = (_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end(POLICY);
    await assertFails(fetcher(good.port)('example.test'), 'fetch', /content type "text\/html"/);
  });

  it('refuses a body over 64 KiB, announced or not', async () => {
    const big = 'x'.repeat(64 * 1024 + 1);
    handler = (_req, res) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end(big);
    await assertFails(fetcher(good.port)('example.test'), 'fetch', /larger than 65536/);
    handler = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' }); // chunked: no Content-Length
      for (let i = 0; i < 17; i++) res.write('y'.repeat(4096));
      res.end();
    };
    await assertFails(fetcher(good.port)('example.test'), 'fetch', /larger than 65536/);
  });

  it('gives up when the server does not answer in time', async () => {
    handler = () => {}; // never answers
    await assertFails(fetcher(good.port, { timeoutMs: 200 })('example.test'), 'fetch', /timed out/);
  });

  it('fails when the policy host has no address', async () => {
    await assertFails(fetcher(good.port)('nowhere.test'), 'fetch', /mta-sts\.nowhere\.test has no A or AAAA record/);
  });
});
