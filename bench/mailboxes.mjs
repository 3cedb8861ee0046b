#!/usr/bin/env node
// Mailbox watcher bench: N mailboxes (users u1..uN) on one private Dovecot, watched by one `petrel
// serve` over IDLE. Figures: time until every mailbox is connected, time from appending one reply to
// each until every INBOX cursor moved past it and until every reply is classified (a row in the unified
// inbox), and RSS per connection ((RSS connected − RSS before) / N).
// Loopback only; bounded by --timeout. Uses the compiled test kit (npm run build first).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
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
    await sleep(200);
  }
}
async function inBatches(items, size, work) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}

const d = await startDovecot({ users });
const p = await startPetrel({ setup: [], log: { level: 'warn' }, mailboxes: { pollSeconds: 60, junkCheckSeconds: 3600, connectConcurrency: 16 } });
try {
  await sleep(1000);
  const before = rssKb(p.pid);
  let t = Date.now();
  for (const u of users) {
    const r = await p.cli(['identity', 'add', u.user.split('@')[0], '--from', u.user, '--via', 'relay', '--relay-host', '127.0.0.1', '--relay-port', '2', '--relay-tls', 'none',
      '--imap-host', d.host, '--imap-port', String(d.port), '--imap-tls', 'none', '--imap-password-stdin'], `${u.password}\n`);
    if (r.code !== 0) throw new Error(r.stderr);
  }
  console.log(`added ${N} identities in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  t = Date.now();
  await until('all connected', () => query(p, "SELECT count(*) FROM mailbox_status WHERE state = 'idle'") === N && query(p, "SELECT count(*) FROM mailbox_folders WHERE folder = 'INBOX'") === N);
  const connectS = (Date.now() - t) / 1000;
  await sleep(2000);
  const connected = rssKb(p.pid);
  t = Date.now();
  await inBatches(users, 8, (u) => d.deliver(u.user, `From: Lead <lead@elsewhere.test>\r\nTo: ${u.user}\r\nSubject: Re: our call\r\nMessage-ID: <${u.user}-bench@x>\r\nIn-Reply-To: <step-1@bench.test>\r\n\r\nYes, Tuesday works.\r\n\r\nOn Mon, you wrote:\r\n> shall we talk?\r\n`));
  const appendS = (Date.now() - t) / 1000;
  await until('all read', () => query(p, "SELECT count(*) FROM mailbox_folders WHERE folder = 'INBOX' AND last_uid >= 1") === N);
  const readS = (Date.now() - t) / 1000;
  await until('all classified', () => query(p, "SELECT count(*) FROM inbox_messages WHERE kind = 'reply'") === N);
  const classifiedS = (Date.now() - t) / 1000;
  console.log(JSON.stringify({
    mailboxes: N,
    connectAllSeconds: Number(connectS.toFixed(1)), // includes up to 5 s until serve re-reads the identity list
    appendSeconds: Number(appendS.toFixed(1)),
    appendToAllReadSeconds: Number(readS.toFixed(1)),
    appendToAllClassifiedSeconds: Number(classifiedS.toFixed(1)),
    rssBeforeMiB: Number((before / 1024).toFixed(1)),
    rssConnectedMiB: Number((connected / 1024).toFixed(1)),
    rssPerConnectionKiB: Number(((connected - before) / N).toFixed(1)),
  }, null, 2));
} finally {
  await p.dispose();
  await d.stop();
}
