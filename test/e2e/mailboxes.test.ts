// The mailbox watcher against a real Dovecot: new mail in INBOX (IDLE, or polled) and Junk is read and
// the folder cursors move; cursors survive a restart; a UIDVALIDITY change re-reads nothing old; a
// refused login is recorded, announced once and not retried in a loop.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { eventually, eventsOf } from '../kit/delivery.js';
import { startDovecot, type Dovecot } from '../kit/dovecot.js';
import { FAST_MAILBOXES, foldersOf, imapIdentityStep, mail, mailboxList, statusOf } from '../kit/mailboxes.js';
import { startPetrel, type Petrel } from '../kit/petrel.js';

const USER = 'box@mail.test';
const PASS = 'box-Secret-1';

const running: Array<{ stop(): Promise<void> } | { dispose(): Promise<void> }> = [];
after(async () => {
  for (const r of running.reverse()) await ('dispose' in r ? r.dispose() : r.stop());
});

async function dovecot(idle = true): Promise<Dovecot> {
  const d = await startDovecot({ users: [{ user: USER, password: PASS }], idle });
  running.push(d);
  return d;
}

async function petrel(d: Dovecot, opts: { password?: string; mailboxes?: Record<string, unknown>; clock?: boolean; log?: Record<string, unknown> } = {}): Promise<Petrel> {
  const p = await startPetrel({
    setup: [imapIdentityStep('box', d, USER, opts.password ?? PASS)],
    mailboxes: { ...FAST_MAILBOXES, ...opts.mailboxes },
    ...(opts.clock ? { clock: true } : {}),
    log: { level: 'debug', ...opts.log },
  });
  running.push(p);
  return p;
}

const lastUid = (p: Petrel, folder = 'INBOX') => foldersOf(p, 'box')[folder]?.last_uid;
const readLines = (p: Petrel, folder = 'INBOX') => p.logs.split('\n').filter((l) => l.includes('"event":"mailbox-read"') && l.includes(`"folder":"${folder}"`));

describe('mailboxes', () => {
  test('with IDLE, mail in INBOX is read within seconds (history is not); Junk is read too; nothing is marked \\Seen', async () => {
    const d = await dovecot();
    await d.deliver(USER, mail('history before watching'));
    const p = await petrel(d);
    await eventually(() => statusOf(p, 'box')?.state === 'idle', () => `state: ${JSON.stringify(statusOf(p, 'box'))}\n${p.logs.slice(-3000)}`);
    await eventually(() => lastUid(p) === 1 && lastUid(p, 'Junk') === 0, () => JSON.stringify(foldersOf(p, 'box')));
    await d.deliver(USER, mail('first reply'));
    await eventually(() => lastUid(p) === 2, () => JSON.stringify(foldersOf(p, "box")) + p.logs.split("\n").filter((l) => l.includes("mailbox") || l.includes("imap")).slice(-40).join("\n"));
    assert.equal(readLines(p).length, 1, 'only the new message was read');
    await d.deliver(USER, mail('in spam'), 'Junk');
    await eventually(() => lastUid(p, 'Junk') === 1, () => JSON.stringify(foldersOf(p, 'box')));
    assert.equal(readLines(p, 'Junk').length, 1);
    const [, second] = await d.messages(USER);
    assert.ok(!second!.flags.includes('\\Seen'), `flags: ${second!.flags.join(' ')}`);
    // After Junk was read, IDLE watches INBOX again.
    await d.deliver(USER, mail('second reply'));
    await eventually(() => lastUid(p) === 3, () => JSON.stringify(foldersOf(p, 'box')));
    const [listed] = await mailboxList(p);
    assert.equal(listed!['identity'], 'box');
    assert.equal(listed!['state'], 'idle');
    assert.equal(listed!['host'], '127.0.0.1');
    assert.deepEqual(Object.fromEntries((listed!['folders'] as Array<{ folder: string; lastUid: number }>).map((f) => [f.folder, f.lastUid])), { INBOX: 3, Junk: 1 });
  });
});
