// The handler and sender over a real database and queue writer, with a recording MailboxActions: the
// sender queues tagged mail to a partner; the recipient's handler records the placement, rescues from
// Junk, marks it read, answers in thread (tagged too, never answered again), takes unknown tags and
// leaves untagged mail to the next handler; a re-read changes nothing.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import pino from 'pino';
import { configSchema } from '../config/schema.js';
import { buildIdentity } from '../identities/create.js';
import { IdentityStore } from '../identities/store.js';
import type { MailDeps } from '../mailboxes/deps.js';
import type { ArrivedMail, MailboxActions } from '../mailboxes/types.js';
import { QueueWriter } from '../queue/writer.js';
import { makeTempStore, type TempStore } from '../store/testkit.js';
import { networkFigures } from './figures.js';
import { warmupHandler } from './handler.js';
import { sendOriginal } from './send.js';
import { WarmupStore } from './store.js';

const T0 = Date.UTC(2026, 4, 1, 9);
let store: TempStore;
let queue: QueueWriter;
let deps: MailDeps;
let woken = 0;

beforeEach(() => {
  store = makeTempStore();
  queue = new QueueWriter(store.db, store.dataDir);
  const config = configSchema.parse({ hostname: 'petrel.test', dataDir: store.dataDir, warmupNetwork: { replyShare: 1, flagShare: 0 } });
  deps = { db: store.db, config, log: pino({ level: 'silent' }), clock: () => T0, secretKey: Buffer.alloc(32), queue, wakeDelivery: () => void woken++, wakeCampaigns: () => undefined };
  const identities = new IdentityStore(store.db, deps.secretKey);
  for (const name of ['anna', 'bob']) {
    identities.add(buildIdentity({ name, from: `${name}@${name}.test`, via: 'relay', relayHost: '127.0.0.1', relayPassword: 'pw', imapHost: '127.0.0.1', imapPort: 143, imapTls: 'none', warmupNetwork: true, warmup: '4,2,20' }), T0);
  }
});
afterEach(async () => {
  await queue.close();
  store.cleanup();
});

const bodyOf = (id: string) => Buffer.from(store.db.prepare('SELECT body FROM messages WHERE id = ?').pluck().get(id) as Uint8Array);

function arrived(identity: string, raw: Buffer, junk: boolean, uid = 1): ArrivedMail {
  return { identity, address: `${identity}@${identity}.test`, folder: junk ? 'Junk' : 'INBOX', junk, uidValidity: 1, uid, flags: [], internalDate: T0, raw, truncated: false };
}

function recorder(): MailboxActions & { log: string[] } {
  const log: string[] = [];
  return { log, moveToInbox: async () => void log.push('move'), addFlags: async (flags) => void log.push(`flags ${flags.join(' ')}`) };
}

test('a tagged message in Junk: rescued, read, answered in thread; the answer is not answered again', async () => {
  const ids = new IdentityStore(store.db);
  const tag = await sendOriginal(deps, ids.get('anna')!, ids.get('bob')!, T0);
  const warm = new WarmupStore(store.db);
  const row = warm.get(tag)!;
  assert.equal(row.recipient, 'bob');
  assert.equal(woken, 1);
  const raw = bodyOf(row.messageId!);
  assert.match(raw.toString(), new RegExp(`^X-Petrel-Warmup: ${tag}\\r$`, 'm'));
  assert.equal(store.db.prepare('SELECT identity FROM messages WHERE id = ?').pluck().get(row.messageId), 'anna', 'queued through the identity');

  const handler = warmupHandler(deps);
  const actions = recorder();
  assert.equal(await handler.handle(arrived('bob', raw, true), actions), true);
  assert.deepEqual(actions.log, ['flags \\Seen', 'move']);
  const after = warm.get(tag)!;
  assert.deepEqual([after.placement, after.folder, after.rescued, after.repliedAt], ['spam', 'Junk', true, T0]);

  // The copy moved to INBOX is read again: taken, nothing done.
  const again = recorder();
  assert.equal(await handler.handle(arrived('bob', raw, false, 2), again), true);
  assert.deepEqual(again.log, []);

  const reply = store.db.prepare('SELECT tag FROM warmup_mail WHERE thread_tag = ?').pluck().all(tag) as string[];
  assert.equal(reply.length, 1, 'one answer');
  const answer = warm.get(reply[0]!)!;
  assert.deepEqual([answer.sender, answer.recipient], ['bob', 'anna']);
  const replyRaw = bodyOf(answer.messageId!).toString();
  assert.match(replyRaw, /^Subject: Re: /m);
  assert.match(replyRaw, new RegExp(`^In-Reply-To: <${row.headerId}>`, 'm'));
  assert.match(replyRaw, new RegExp(`^References: <${row.headerId}>`, 'm'));

  const answerActions = recorder();
  assert.equal(await handler.handle(arrived('anna', bodyOf(answer.messageId!), false), answerActions), true);
  assert.deepEqual(answerActions.log, ['flags \\Seen']);
  assert.equal(store.db.prepare('SELECT count(*) FROM warmup_mail').pluck().get(), 2, 'answers are never answered');

  const figures = Object.fromEntries(networkFigures(store.db, T0 + 1000).map((f) => [f.identity, f]));
  assert.deepEqual(figures['anna'], { identity: 'anna', sent: 1, received: 1, inbox: 0, spam: 1, rescues: 0, inboxRate: 0 });
  assert.deepEqual(figures['bob'], { identity: 'bob', sent: 1, received: 1, inbox: 1, spam: 0, rescues: 1, inboxRate: 1 });
});

test('unknown tags are taken and left alone; untagged mail goes to the next handler', async () => {
  const handler = warmupHandler(deps);
  const actions = recorder();
  const unknown = Buffer.from('From: x@y.test\r\nX-Petrel-Warmup: nope\r\nSubject: hi\r\n\r\nhello\r\n');
  assert.equal(await handler.handle(arrived('bob', unknown, true), actions), true);
  const plain = Buffer.from('From: x@y.test\nSubject: hi\n\nhello\n');
  assert.equal(await handler.handle(arrived('bob', plain, false), actions), false);
  assert.deepEqual(actions.log, []);
});

test('a failed IMAP action records nothing, so the next read tries again', async () => {
  const ids = new IdentityStore(store.db);
  const tag = await sendOriginal(deps, ids.get('anna')!, ids.get('bob')!, T0);
  const raw = bodyOf(new WarmupStore(store.db).get(tag)!.messageId!);
  const failing: MailboxActions = { moveToInbox: async () => { throw new Error('connection lost'); }, addFlags: async () => undefined };
  await assert.rejects(warmupHandler(deps).handle(arrived('bob', raw, true), failing));
  assert.equal(new WarmupStore(store.db).get(tag)!.receivedAt, null);
  const actions = recorder();
  assert.equal(await warmupHandler(deps).handle(arrived('bob', raw, true), actions), true);
  assert.deepEqual(actions.log, ['flags \\Seen', 'move']);
});
