// The message, event, queue and stats endpoints, driven with curl against the real `petrel serve`:
// JSON and raw sends read back from the queue with postal-mime, idempotent replays, suppressed
// recipients, every client mistake as a 4xx, event pagination and the operator's queue actions.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import PostalMime from 'postal-mime';
import { readBody } from '../../src/queue/inspect.js';
import { openDatabase, type Db } from '../../src/store/db.js';
import { curl } from '../kit/peers.js';
import { startPetrel, type Petrel } from '../kit/petrel.js';

interface Response {
  status: number;
  headers: Record<string, string>;
  body: any;
}

describe('API: messages, events, queue, stats', () => {
  let p: Petrel;
  let db: Db;
  let base: string;
  const key: Record<'send' | 'read' | 'admin', string> = { send: '', read: '', admin: '' };

  before(async () => {
    p = await startPetrel({ limits: { maxMessageSize: 100_000 } });
    base = `http://127.0.0.1:${p.ports.http}`;
    for (const scope of ['send', 'read', 'admin'] as const) {
      const r = await p.cli(['apikey', 'create', scope, '--scope', scope]);
      assert.equal(r.code, 0, r.stderr);
      key[scope] = r.stdout.trim();
    }
    db = openDatabase(join(p.dataDir, 'petrel.db'));
  });
  after(async () => {
    db?.close();
    await p?.dispose();
  });

  /** curl `method path`; `as` names the key's scope (null: no key); `body` is JSON unless `type` says raw. */
  async function call(method: string, path: string, opts: { as?: keyof typeof key | null; body?: unknown; type?: string; headers?: string[] } = {}): Promise<Response> {
    const args = ['-s', '-D', '-', '-o', '-', '-X', method, '-H', 'Expect:'];
    if (opts.as !== null) args.push('-H', `Authorization: Bearer ${key[opts.as ?? 'admin']}`);
    for (const h of opts.headers ?? []) args.push('-H', h);
    let input: string | undefined;
    if (opts.body !== undefined) {
      input = opts.type ? String(opts.body) : JSON.stringify(opts.body);
      args.push('-H', `Content-Type: ${opts.type ?? 'application/json'}`, '--data-binary', '@-');
    }
    const r = await curl([...args, `${base}${path}`], input);
    const split = r.stdout.indexOf('\r\n\r\n');
    const head = r.stdout.slice(0, split).split('\r\n');
    const status = Number(head[0]!.split(' ')[1]);
    const headers = Object.fromEntries(head.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
    const text = r.stdout.slice(split + 4);
    return { status, headers, body: text ? JSON.parse(text) : null };
  }

  const send = (body: unknown, headers: string[] = []) => call('POST', '/v1/messages', { as: 'send', body, headers });

  test('a JSON message with an attachment is queued and stored as composed', async () => {
    const pdf = randomBytes(3000);
    const r = await send({
      from: 'Alice <alice@example.test>', to: 'bob@example.net', bcc: ['carol@example.net'], subject: 'Quarterly report',
      text: 'see attached', html: '<p>see attached</p>', tags: ['reports'], metadata: { customer: '42' },
      attachments: [{ filename: 'report.pdf', content: pdf.toString('base64'), contentType: 'application/pdf' }],
    });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.deepEqual(r.body.recipients, [{ address: 'bob@example.net', status: 'queued' }, { address: 'carol@example.net', status: 'queued' }]);
    const shown = await p.queueShow(r.body.id);
    assert.equal(shown.envelope.sender, 'alice@example.test');
    assert.equal(shown.envelope.role, 'local');
    assert.equal(shown.envelope.listener, 'api');
    assert.match(shown.envelope.authUser!, /^apikey:/);
    const email = await PostalMime.parse(readBody(db, p.dataDir, r.body.id)!);
    assert.equal(email.subject, 'Quarterly report');
    assert.equal(email.messageId, `<${r.body.id}@${p.hostname}>`);
    assert.ok(email.headers.some((h) => h.key === 'received'));
    assert.ok(!email.headers.some((h) => h.key === 'bcc'));
    assert.deepEqual(Buffer.from(email.attachments[0]!.content as ArrayBuffer), pdf);

    const got = await call('GET', `/v1/messages/${r.body.id}`, { as: 'read' });
    assert.equal(got.status, 200);
    assert.deepEqual([got.body.tags, got.body.metadata], [['reports'], { customer: '42' }]);
    assert.deepEqual(got.body.recipients.map((x: any) => [x.address, x.state, x.attempts, x.history]), [
      ['bob@example.net', 'queued', 0, []], ['carol@example.net', 'queued', 0, []],
    ]);
    assert.deepEqual(got.body.events.map((e: any) => e.type), ['accepted', 'accepted']);
    assert.deepEqual(got.body.events[0].data, { tags: ['reports'], metadata: { customer: '42' } }, 'events (and webhooks) carry them');
  });

  test('a raw message: envelope from the query, or from its headers (Bcc removed)', async () => {
    const raw = 'From: alice@example.test\nTo: bob@example.net\nBcc: dave@example.net\nSubject: raw one\n\nhello\n';
    const fromQuery = await call('POST', '/v1/messages?to=erin@example.net', { as: 'send', body: raw, type: 'message/rfc822' });
    assert.equal(fromQuery.status, 202, JSON.stringify(fromQuery.body));
    assert.deepEqual(fromQuery.body.recipients.map((x: any) => x.address), ['erin@example.net']);
    const fromHeaders = await call('POST', '/v1/messages', { as: 'send', body: raw, type: 'message/rfc822' });
    assert.equal(fromHeaders.status, 202);
    assert.deepEqual(fromHeaders.body.recipients.map((x: any) => x.address), ['bob@example.net', 'dave@example.net']);
    const stored = readBody(db, p.dataDir, fromHeaders.body.id)!.toString();
    assert.ok(!/\r\nBcc:/i.test(stored) && /\r\nSubject: raw one\r\n/.test(stored));
    assert.match(stored, new RegExp(`Message-ID: <${fromHeaders.body.id}@`));
  });

  test('Idempotency-Key: the same request is answered again, another body is a 422', async () => {
    const body = { from: 'alice@example.test', to: ['idem@example.net'], subject: 'once', text: 'x' };
    const before = (await p.queueList()).length;
    const header = ['Idempotency-Key: order-1234'];
    const [a, b] = await Promise.all([send(body, header), send(body, header)]); // concurrent duplicates
    const c = await send({ subject: 'once', text: 'x', to: ['idem@example.net'], from: 'alice@example.test' }, header);
    assert.deepEqual([a.status, b.status, c.status], [202, 202, 202]);
    assert.equal(a.body.id, b.body.id);
    assert.equal(c.body.id, a.body.id);
    assert.equal(c.headers['idempotent-replayed'], 'true');
    assert.equal((await p.queueList()).length, before + 1);
    const other = await send({ ...body, text: 'y' }, header);
    assert.deepEqual([other.status, other.body.error.code], [422, 'idempotency_key_reused']);
    assert.equal((await send(body, ['Idempotency-Key: ' + 'k'.repeat(256)])).status, 400);
  });

  test('suppressed recipients are reported as such', async () => {
    assert.equal((await p.cli(['suppress', 'add', 'gone@example.net'])).code, 0);
    const r = await send({ from: 'alice@example.test', to: ['gone@example.net', 'here@example.net'], text: 'x' });
    assert.equal(r.status, 202);
    assert.deepEqual(r.body.recipients, [{ address: 'gone@example.net', status: 'suppressed' }, { address: 'here@example.net', status: 'queued' }]);
  });

  test('keys and scopes: 401 without a key, 403 with a read key', async () => {
    const body = { from: 'alice@example.test', to: 'x@example.net' };
    assert.equal((await call('POST', '/v1/messages', { as: null, body })).status, 401);
    assert.equal((await call('POST', '/v1/messages', { as: 'read', body })).status, 403);
    assert.equal((await call('POST', '/v1/messages/X/hold', { as: 'send' })).status, 403);
    assert.equal((await call('GET', '/v1/events', { as: null })).status, 401);
  });

  test('client mistakes are 4xx with the path of the bad field', async () => {
    const ok = { from: 'alice@example.test', to: 'bob@example.net', text: 'x' };
    const cases: Array<[unknown, number, string | undefined]> = [
      [{ ...ok, to: 'not-an-address' }, 400, 'body.to.0'],
      [{ ...ok, attachments: [{ filename: 'a', content: '%%%' }] }, 400, 'body.attachments.0.content'],
      [{ ...ok, surprise: true }, 400, 'body.surprise'],
      [{ ...ok, to: [] }, 400, 'body.to'],
      [{ ...ok, to: 42 }, 400, 'body.to'],
      [{ ...ok, subject: ['x'] }, 400, 'body.subject'],
      [{ ...ok, headers: { 'Bad Name': 'x' } }, 400, 'body.headers.Bad Name'],
      [{ ...ok, from: 'mallory@elsewhere.test' }, 422, 'body.from'],
      [[1, 2], 400, 'body'],
      ['"just a string"', 400, 'body'],
      [{ ...ok, to: Array.from({ length: 101 }, (_, i) => `r${i}@example.net`) }, 400, 'body.to'],
    ];
    for (const [body, status, path] of cases) {
      const r = await send(body);
      assert.equal(r.status, status, `${JSON.stringify(body).slice(0, 80)} → ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.path, path, JSON.stringify(r.body));
    }
    const notJson = await call('POST', '/v1/messages', { as: 'send', body: '{"from":', type: 'application/json' });
    assert.equal(notJson.status, 400);
    const xml = await call('POST', '/v1/messages', { as: 'send', body: '<a/>', type: 'application/xml' });
    assert.equal(xml.status, 415);
    const badRaw = await call('POST', '/v1/messages?from=nope', { as: 'send', body: 'Subject: x\n\nx\n', type: 'message/rfc822' });
    assert.deepEqual([badRaw.status, badRaw.body.error.path], [400, 'query.from']);
    const queryOnJson = await call('POST', '/v1/messages?to=x@example.net', { as: 'send', body: ok });
    assert.deepEqual([queryOnJson.status, queryOnJson.body.error.path], [400, 'query']);
    const noRcpt = await call('POST', '/v1/messages', { as: 'send', body: 'From: alice@example.test\n\nx\n', type: 'message/rfc822' });
    assert.equal(noRcpt.status, 400);
  });

  test('a message over limits.maxMessageSize is a 413 and nothing is queued', async () => {
    const before = (await p.queueList()).length;
    const big = randomBytes(90_000).toString('base64');
    const r = await send({ from: 'alice@example.test', to: 'bob@example.net', attachments: [{ filename: 'big.bin', content: big }] });
    assert.deepEqual([r.status, r.body.error.code], [413, 'payload_too_large']);
    assert.equal((await p.queueList()).length, before);
  });

  test('unknown ids are 404s; bad list queries are 400s', async () => {
    assert.equal((await call('GET', '/v1/messages/01NOSUCHMESSAGE0000000000', { as: 'read' })).status, 404);
    assert.equal((await call('GET', `/v1/messages/${'x'.repeat(300)}`, { as: 'read' })).status, 404);
    for (const action of ['retry', 'hold', 'release', 'bounce']) {
      assert.equal((await call('POST', `/v1/messages/NOPE/${action}`)).status, 404);
    }
    assert.equal((await call('DELETE', '/v1/messages/NOPE')).status, 404);
    for (const q of ['state=nope', 'limit=0', 'limit=501', 'limit=abc', 'cursor=!!', 'cursor=Zm9v', 'other=1']) {
      assert.equal((await call('GET', `/v1/messages?${q}`, { as: 'read' })).status, 400, q);
    }
    for (const q of ['type=accepted,nope', 'since=yesterday', 'cursor=bm9wZQ', 'limit=-1']) {
      assert.equal((await call('GET', `/v1/events?${q}`, { as: 'read' })).status, 400, q);
    }
    for (const q of ['window=24', 'window=0h', 'window=999999d', 'domain=x&extra=1']) {
      assert.equal((await call('GET', `/v1/stats?${q}`, { as: 'read' })).status, 400, q);
    }
  });

  test('messages and events page with cursors', async () => {
    const first = await call('GET', '/v1/messages?limit=2&direction=outbound', { as: 'read' });
    assert.equal(first.status, 200);
    assert.equal(first.body.data.length, 2);
    const second = await call('GET', `/v1/messages?limit=2&direction=outbound&cursor=${first.body.nextCursor}`, { as: 'read' });
    const ids = [...first.body.data, ...second.body.data].map((m: any) => m.id);
    assert.equal(new Set(ids).size, 4);
    assert.deepEqual(ids, [...ids].sort().reverse(), 'newest first');
    const queued = await call('GET', '/v1/messages?state=suppressed', { as: 'read' });
    assert.equal(queued.body.data.length, 1);
    assert.equal(queued.body.nextCursor, null);

    const one = await call('GET', '/v1/events?limit=1&type=accepted,suppressed', { as: 'read' });
    assert.equal(one.status, 200);
    assert.equal(one.body.data.length, 1);
    const next = await call('GET', `/v1/events?limit=1&type=accepted,suppressed&cursor=${one.body.nextCursor}`, { as: 'read' });
    assert.equal(next.body.data.length, 1);
    assert.ok(next.body.data[0].id > one.body.data[0].id);
    const suppressed = await call('GET', '/v1/events?type=suppressed&recipient=GONE@example.net', { as: 'read' });
    assert.deepEqual(suppressed.body.data.map((e: any) => e.type), ['suppressed']);
    const all = await call('GET', `/v1/events?limit=500&since=${encodeURIComponent(new Date(Date.now() - 3600_000).toISOString())}`, { as: 'read' });
    const tail = await call('GET', `/v1/events?cursor=${all.body.nextCursor}`, { as: 'read' });
    assert.deepEqual([tail.body.data, tail.body.nextCursor], [[], all.body.nextCursor], 'caught up: the cursor stays');
  });

  test('stats count what was accepted', async () => {
    const r = await call('GET', '/v1/stats?window=1h&domain=example.test', { as: 'read' });
    assert.equal(r.status, 200);
    assert.ok(r.body.total.accepted >= 5, JSON.stringify(r.body.total));
    assert.equal(r.body.total.suppressed, 1);
    assert.equal(r.body.domains[0].domain, 'example.test');
  });

  test('queue actions: hold, release, retry, bounce and delete', async () => {
    const sent = await send({ from: 'alice@example.test', to: ['q1@example.net', 'q2@example.net'], text: 'x' });
    const id = sent.body.id as string;
    const state = async () => (await call('GET', `/v1/messages/${id}`, { as: 'read' })).body.recipients.map((r: any) => r.state);
    assert.deepEqual((await call('POST', `/v1/messages/${id}/hold`)).body, { id, changed: 2 });
    assert.deepEqual(await state(), ['held', 'held']);
    assert.deepEqual((await call('POST', `/v1/messages/${id}/retry`)).body, { id, changed: 0 });
    assert.deepEqual((await call('POST', `/v1/messages/${id}/release`)).body, { id, changed: 2 });
    assert.deepEqual(await state(), ['queued', 'queued']);
    assert.deepEqual((await call('POST', `/v1/messages/${id}/retry`)).body, { id, changed: 2 });
    assert.deepEqual((await call('DELETE', `/v1/messages/${id}`)).body, { id, changed: 2 });
    assert.equal((await call('GET', `/v1/messages/${id}`, { as: 'read' })).status, 404);

    const other = (await send({ from: 'alice@example.test', to: 'q3@example.net', text: 'x' })).body.id as string;
    assert.deepEqual((await call('POST', `/v1/messages/${other}/bounce`)).body, { id: other, changed: 1 });
    const bounced = await call('GET', `/v1/messages/${other}`, { as: 'read' });
    assert.equal(bounced.body.recipients[0].state, 'bounced');
    assert.equal(bounced.body.recipients[0].lastReply.code, 554);
    assert.deepEqual(bounced.body.events.map((e: any) => e.type), ['accepted', 'bounced']);
  });
});
