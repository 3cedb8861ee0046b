import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { TrackingLinks } from '../campaigns/tracking-links.js';
import { UnsubscribeTokens } from '../campaigns/unsubscribe-token.js';
import { QueueIdGenerator } from '../queue/queue-id.js';
import { openDatabase, type Db } from '../store/db.js';
import { createLogger } from '../util/log.js';
import type { ApiContext } from './context.js';
import { locationOf, PIXEL, registerTracking } from './tracking.js';

const tokens = new UnsubscribeTokens(Buffer.alloc(32, 3));
const links = new TrackingLinks(tokens);
const ids = new QueueIdGenerator();
const target = 'https://a.test/p?x=1&y=2';

describe('tracking routes', () => {
  let dir: string;
  let db: Db;
  let app: FastifyInstance;
  let now = 1_000;
  const sent = ids.next();

  const row = () => db.prepare('SELECT opened_at, clicked_at FROM campaign_sends WHERE message_id = ?').get(sent) as { opened_at: number | null; clicked_at: number | null };
  const path = (url: string) => { const u = new URL(url); return u.pathname + u.search; };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'petrel-tracking-'));
    db = openDatabase(join(dir, 'petrel.db'));
    db.prepare(`INSERT INTO campaign_sends (campaign, email, step, message_id, header_id, subject, sent_at) VALUES ('c', 'a@b.test', 1, ?, 'h@x', 's', 0)`).run(sent);
    const ctx = { db, log: createLogger({ log: { level: 'silent' } }), campaigns: { tokens, clock: () => now } } as unknown as ApiContext;
    app = Fastify();
    registerTracking(app, ctx);
    await app.ready();
  });
  after(async () => {
    await app.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the 43-byte GIF uncached for any file name, recording only a valid token, once', async () => {
    for (const file of ['junk.gif', `${links.token(ids.next())}.gif`, 'x']) {
      const r = await app.inject(`/t/o/${file}`);
      assert.equal(r.statusCode, 200);
      assert.equal(r.headers['content-type'], 'image/gif');
      assert.deepEqual(r.rawPayload, PIXEL);
    }
    assert.equal(PIXEL.length, 43);
    assert.equal(row().opened_at, null);
    const open = path(links.urls('http://t.test', sent).open);
    const r = await app.inject(open);
    assert.match(String(r.headers['cache-control']), /no-store/);
    assert.equal(row().opened_at, 1_000);
    now = 2_000;
    await app.inject(open);
    assert.equal(row().opened_at, 1_000, 'the first open stays');
  });

  it('redirects a signed click, records the first click, and 404s anything else', async () => {
    const click = path(links.urls('http://t.test', sent).click(target));
    const r = await app.inject(click);
    assert.equal(r.statusCode, 302);
    assert.equal(r.headers['location'], target);
    assert.equal(row().clicked_at, 2_000);
    now = 3_000;
    await app.inject(click);
    assert.equal(row().clicked_at, 2_000);
    const tampered = click.replace(encodeURIComponent(target), encodeURIComponent('https://evil.test/'));
    for (const bad of [tampered, click.replace(/&s=.*/, ''), click.replace(/\?.*/, ''), `${click}&u=https%3A%2F%2Fevil.test%2F`, '/t/c/nonsense?u=x&s=y']) {
      const b = await app.inject(bad);
      assert.equal(b.statusCode, 404, bad);
      assert.equal(b.headers['location'], undefined);
    }
  });

  it('percent-encodes what a Location field cannot carry', () => {
    assert.equal(locationOf('https://a.test/café?q=a b'), 'https://a.test/caf%C3%A9?q=a%20b');
    assert.equal(locationOf(target), target);
  });
});
