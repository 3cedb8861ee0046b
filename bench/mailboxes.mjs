#!/usr/bin/env node
// Mailbox watcher bench: N mailboxes (users u1..uN) on one private Dovecot, watched by one `petrel
// serve` over IDLE, then by N bare imapflow clients in this process (the peer: the floor under Petrel).
// Figures: time from adding the identities (HTTP API) until every mailbox is connected, time from
// appending one reply to each until every reply is classified (a row in the unified inbox), the tail
// after the last append, and RSS per connection ((RSS connected − RSS before) / N); ratios to the peer.
// Loopback only; bounded by --timeout. Uses the compiled test kit (npm run build first).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { ImapFlow } from 'imapflow';
import { apiOf } from '../dist/test/kit/api.js';
import { startDovecot } from '../dist/test/kit/dovecot.js';
import { startPetrel } from '../dist/test/kit/petrel.js';

const { values } = parseArgs({ options: { mailboxes: { type: 'string', default: '200' }, timeout: { type: 'string', default: '600' } } });
const N = Number(values.mailboxes);
const deadline = Date.now() + Number(values.timeout) * 1000;
const users = Array.from({ length: N }, (_, i) => ({ user: `u${i + 1}@bench.test`, password: `pw-${i + 1}` }));
const rssKb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
const query = (p, sql) => {
  const db = new Database(join(p.dataDir, 'petrel.db'), { readonly: true, fileMustExist: true });
  try { return db.prepare(sql).pluck().get(); } finally { db.close(); }
};
async function until(what, check) {
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
async function inBatches(items, size, work) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}
const reply = (u, tag) => `From: Lead <lead@elsewhere.test>\r\nTo: ${u.user}\r\nSubject: Re: our call\r\nMessage-ID: <${u.user}-${tag}@x>\r\n` +
  `In-Reply-To: <step-1@bench.test>\r\n\r\nYes, Tuesday works.\r\n\r\nOn Mon, you wrote:\r\n> shall we talk?\r\n`;
/** Append one reply to every mailbox, 8 at a time (the provider's side); returns when the last one went in. */
async function appendAll(d, tag) {
  let last = 0;
  await inBatches(users, 8, async (u) => {
    await d.deliver(u.user, reply(u, tag));
    last = Date.now();
  });
  return last;
}

async function petrelRun(d) {
  const p = await startPetrel({ setup: [], log: { level: 'warn' }, mailboxes: { pollSeconds: 60, junkCheckSeconds: 3600, connectConcurrency: 16 } });
  try {
    const api = await apiOf(p);
    await sleep(3000); // start-up garbage collected before the baseline
    const before = rssKb(p.pid);
    let t = Date.now();
    // Through the API: each POST wakes the watcher, so connecting starts at once.
    await inBatches(users, 16, async (u) => {
      const r = await api.call('POST', '/v1/identities', { as: 'admin', body: {
        name: u.user.split('@')[0], from: u.user, via: 'relay', relayHost: '127.0.0.1', relayPort: 2, relayTls: 'none',
        imapHost: d.host, imapPort: d.port, imapTls: 'none', imapPassword: u.password,
      } });
      if (r.status >= 300) throw new Error(`${r.status} ${r.text}`);
    });
    await until('all connected', () => query(p, "SELECT count(*) FROM mailbox_status WHERE state = 'idle'") === N && query(p, "SELECT count(*) FROM mailbox_folders WHERE folder = 'INBOX'") === N);
    const connectS = (Date.now() - t) / 1000;
    await sleep(3000);
    const connected = rssKb(p.pid);
    t = Date.now();
    const lastAppend = await appendAll(d, 'petrel');
    await until('all classified', () => query(p, "SELECT count(*) FROM inbox_messages WHERE kind = 'reply'") === N);
    return {
      addToAllConnectedSeconds: Number(connectS.toFixed(1)),
      firstAppendToAllClassifiedSeconds: Number(((Date.now() - t) / 1000).toFixed(1)),
      lastAppendToAllClassifiedSeconds: Number(((Date.now() - lastAppend) / 1000).toFixed(2)),
      rssBeforeMiB: Number((before / 1024).toFixed(1)),
      rssConnectedMiB: Number((connected / 1024).toFixed(1)),
      rssPerConnectionKiB: Number(((connected - before) / N).toFixed(1)),
    };
  } finally {
    await p.dispose();
  }
}

/** The peer: connect, select INBOX, IDLE (imapflow's default), count EXISTS — no cursor, fetch or classification. */
async function bareRun(d) {
  await sleep(2000);
  const before = process.memoryUsage().rss / 1024;
  const clients = [];
  let notified = 0;
  let t = Date.now();
  await inBatches(users, 16, async (u) => {
    const c = new ImapFlow({ host: d.host, port: d.port, secure: false, doSTARTTLS: false, auth: { user: u.user, pass: u.password }, logger: false });
    await c.connect();
    await c.mailboxOpen('INBOX');
    c.on('exists', () => { notified++; });
    clients.push(c);
  });
  const connectS = (Date.now() - t) / 1000;
  await sleep(3000);
  const connected = process.memoryUsage().rss / 1024;
  t = Date.now();
  const lastAppend = await appendAll(d, 'bare');
  await until('all notified', () => notified >= N);
  const result = {
    allConnectedSeconds: Number(connectS.toFixed(1)),
    firstAppendToAllNotifiedSeconds: Number(((Date.now() - t) / 1000).toFixed(1)),
    lastAppendToAllNotifiedSeconds: Number(Math.max((Date.now() - lastAppend) / 1000, 0.01).toFixed(2)),
    rssPerConnectionKiB: Number(((connected - before) / N).toFixed(1)),
  };
  await Promise.all(clients.map((c) => c.logout().catch(() => undefined)));
  return result;
}

const d = await startDovecot({ users });
try {
  const petrel = await petrelRun(d);
  const bare = await bareRun(d);
  console.log(JSON.stringify({
    mailboxes: N, petrel, bareImapflow: bare,
    ratios: {
      rssPerConnection: Number((petrel.rssPerConnectionKiB / bare.rssPerConnectionKiB).toFixed(2)),
      lastAppendToAll: Number((petrel.lastAppendToAllClassifiedSeconds / bare.lastAppendToAllNotifiedSeconds).toFixed(2)),
    },
  }, null, 2));
} finally {
  await d.stop();
}
