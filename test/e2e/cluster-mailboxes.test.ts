// Cluster mode, mailboxes: exactly one node watches an IMAP identity (the holder of its lease); when
// that node is killed, the other takes the mailbox over and reads the mail that arrives afterwards.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startCluster, type Cluster } from '../kit/cluster.js';
import { eventuallyAsync } from '../kit/delivery.js';
import { startDovecot, type Dovecot } from '../kit/dovecot.js';
import { FAST_MAILBOXES, imapIdentityStep, mail } from '../kit/mailboxes.js';

const USER = 'box@mail.test';
const PASS = 'box-Secret-9';
const DEAD_AFTER_MS = 3000; // node.deadAfterSeconds in test/kit/cluster.ts

let dovecot: Dovecot | undefined;
let cluster: Cluster | undefined;
after(async () => {
  await cluster?.dispose();
  await dovecot?.stop();
});

async function sql(query: string): Promise<string[]> {
  return (await cluster!.pg.psql(query)).split('\n').filter((l) => l !== '');
}

const holders = () => sql(`SELECT holder FROM leases WHERE name = 'mailbox:box' AND expires_at > now()`);
const stored = async (subject: string) => (await sql(`SELECT count(*) FROM inbox_messages WHERE subject = '${subject}'`))[0] === '1';
const reads = (logs: string) => logs.split('\n').filter((l) => l.includes('"event":"mailbox-read"')).length;

test('one node watches the mailbox; after a kill -9 the other takes it over and reads new mail', async () => {
  dovecot = await startDovecot({ users: [{ user: USER, password: PASS }], idle: true });
  cluster = await startCluster(2, { setup: [imapIdentityStep('box', dovecot, USER, PASS)], mailboxes: FAST_MAILBOXES, log: { level: 'debug' } });
  const names = ['node-a', 'node-b'];
  const holder = await eventuallyAsync(async () => (await holders())[0], () => 'no node holds the mailbox lease', 15_000);
  const watcher = cluster.nodes[names.indexOf(holder)]!;
  const other = cluster.nodes[1 - names.indexOf(holder)]!;

  await dovecot.deliver(USER, mail('first reply'));
  await eventuallyAsync(() => stored('first reply'), () => `first reply not read\n${watcher.logs.slice(-3000)}`, 15_000);
  assert.deepEqual(await holders(), [holder], 'exactly one node holds the lease');
  assert.ok(reads(watcher.logs) >= 1, 'the holder read it');
  assert.equal(reads(other.logs), 0, 'the other node does not watch the mailbox');

  await watcher.kill9();
  await dovecot.deliver(USER, mail('after the kill'));
  await eventuallyAsync(() => stored('after the kill'), () => `not read after the kill\n${other.logs.slice(-3000)}`, DEAD_AFTER_MS + 10_000);
  assert.deepEqual(await holders(), [names[1 - names.indexOf(holder)]], 'the other node holds the lease now');
  assert.ok(reads(other.logs) >= 1, 'the other node read it');
});
