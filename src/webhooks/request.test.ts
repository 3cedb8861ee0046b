import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { buildRequest, postJson, testEvent } from './request.js';
import { verifySignature } from './signature.js';

let server: Server;
let base = '';
const seen: { path: string; body: string; headers: IncomingMessage['headers'] }[] = [];

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      seen.push({ path: req.url ?? '', body, headers: req.headers });
      if (req.url === '/hang') return;
      if (req.url === '/redirect') return void res.writeHead(302, { Location: '/ok' }).end();
      res.writeHead(req.url === '/fail' ? 503 : 200).end('thanks');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

const request = (path: string) => buildRequest({ id: 'wh_1', url: `${base}${path}` }, [testEvent(0)], 'whsec_r', 1_000_000, 'Petrel/9.9.9');

test('a signed JSON POST; 2xx is success', async () => {
  assert.deepEqual(await postJson(request('/ok'), 2000), { ok: true, status: 200 });
  const got = seen.at(-1)!;
  assert.equal(got.headers['content-type'], 'application/json');
  assert.equal(got.headers['user-agent'], 'Petrel/9.9.9');
  assert.equal(got.headers['petrel-webhook-id'], 'wh_1');
  assert.ok(verifySignature('whsec_r', String(got.headers['petrel-signature']), got.body, 1000));
  assert.deepEqual(JSON.parse(got.body), { events: [testEvent(0)] });
});

test('other statuses, redirects, timeouts and refused connections fail with a reason', async () => {
  assert.deepEqual(await postJson(request('/fail'), 2000), { ok: false, status: 503, error: 'HTTP 503', aborted: false });
  assert.deepEqual(await postJson(request('/redirect'), 2000), { ok: false, status: 302, error: 'HTTP 302', aborted: false });
  assert.deepEqual(await postJson(request('/hang'), 200), { ok: false, status: null, error: 'no answer within 200 ms', aborted: false });
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const refused = await postJson({ ...request('/'), url: `http://127.0.0.1:${port}/` }, 2000);
  assert.equal(refused.ok, false);
  assert.match(!refused.ok ? refused.error : '', /ECONNREFUSED/);
});

test('stop aborts without it being a failure of the endpoint', async () => {
  const stop = new AbortController();
  const pending = postJson(request('/hang'), 10_000, stop.signal);
  setTimeout(() => stop.abort(), 50);
  assert.deepEqual(await pending, { ok: false, status: null, error: 'stopped', aborted: true });
});
