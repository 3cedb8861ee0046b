// The mailbox watcher against a real Dovecot: new mail in INBOX (IDLE, or polled) and Junk is read and
// the folder cursors move; cursors survive a restart; a UIDVALIDITY change re-reads nothing old; a
// refused login is recorded, announced once and not retried in a loop.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { apiOf } from '../kit/api.js';
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
    // The cursor is saved before the debug line is logged: wait for the line, then check there is one.
    await eventually(() => readLines(p).length >= 1, () => 'no mailbox-read line');
    assert.equal(readLines(p).length, 1, 'only the new message was read');
    await d.deliver(USER, mail('in spam'), 'Junk');
    await eventually(() => lastUid(p, 'Junk') === 1, () => JSON.stringify(foldersOf(p, 'box')));
    await eventually(() => readLines(p, 'Junk').length >= 1, () => 'no mailbox-read line for Junk');
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
    const r = await (await apiOf(p)).call('GET', '/v1/mailboxes', { as: 'read' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.data[0].identity, 'box');
    assert.equal(r.body.data[0].address, USER);
    assert.equal(r.body.data[0].state, 'idle');
    assert.equal(r.body.data[0].folders.find((f: { folder: string }) => f.folder === 'INBOX').lastUid, 3);
  });

  test('without IDLE, INBOX is polled; a restart resumes from the stored cursor (mail that came meanwhile is read once)', async () => {
    const d = await dovecot(false);
    const p = await petrel(d);
    await eventually(() => statusOf(p, 'box')?.state === 'polling', () => `state: ${JSON.stringify(statusOf(p, 'box'))}`);
    await eventually(() => lastUid(p) === 0, () => JSON.stringify(foldersOf(p, 'box')));
    await d.deliver(USER, mail('polled'));
    await eventually(() => lastUid(p) === 1, () => JSON.stringify(foldersOf(p, 'box')));
    await p.stop();
    const readBefore = readLines(p).length; // the log goes on across the restart
    await d.deliver(USER, mail('while stopped'));
    await p.restart();
    await eventually(() => lastUid(p) === 2, () => JSON.stringify(foldersOf(p, 'box')));
    await d.deliver(USER, mail('after restart'));
    await eventually(() => lastUid(p) === 3, () => JSON.stringify(foldersOf(p, 'box')));
    await eventually(() => readLines(p).length - readBefore >= 2, () => 'read lines missing');
    assert.equal(readLines(p).length - readBefore, 2, 'the restarted server read only the two new messages');
  });

  test('a changed UIDVALIDITY re-reads nothing already read, and new mail is still read', async () => {
    const d = await dovecot();
    const p = await petrel(d);
    await eventually(() => statusOf(p, 'box')?.state === 'idle' && lastUid(p) === 0, () => JSON.stringify(foldersOf(p, 'box')));
    await d.deliver(USER, mail('one'));
    await d.deliver(USER, mail('two'));
    await eventually(() => lastUid(p) === 2, () => JSON.stringify(foldersOf(p, 'box')));
    const before = foldersOf(p, 'box')['INBOX']!.uid_validity;
    await p.stop();
    const readBefore = readLines(p).length;
    await d.resetUidValidity(USER);
    await p.restart();
    await eventually(() => foldersOf(p, 'box')['INBOX']!.uid_validity !== before, () => JSON.stringify(foldersOf(p, 'box')));
    assert.equal(readLines(p).length, readBefore, 'nothing old was handled again');
    assert.match(p.logs, /"event":"mailbox-uidvalidity"/);
    await d.deliver(USER, mail('three'));
    await eventually(() => readLines(p).length === readBefore + 1, () => JSON.stringify(foldersOf(p, 'box')));
    assert.equal(lastUid(p), (await d.messages(USER)).at(-1)!.uid);
  });

  test('a refused login: auth-failed in mailbox list, one mailbox.failed event, no retry loop; retried after authRetryMinutes', async () => {
    const d = await dovecot();
    const p = await petrel(d, { password: 'wrong-password', clock: true, mailboxes: { authRetryMinutes: 60 } });
    await eventually(() => statusOf(p, 'box')?.state === 'auth-failed', () => `state: ${JSON.stringify(statusOf(p, 'box'))}`);
    const [listed] = await mailboxList(p);
    assert.equal(listed!['state'], 'auth-failed');
    assert.ok(listed!['error'], 'the server\'s reason is shown');
    assert.ok(listed!['retryAt']);
    // The identity itself is flagged where an operator looks at it.
    const shown = JSON.parse((await p.cli(['identity', 'show', 'box', '--json'])).stdout) as { mailbox?: { state: string } };
    assert.equal(shown.mailbox?.state, 'auth-failed');
    assert.match((await p.cli(['identity', 'show', 'box'])).stdout, /IMAP login failed/);
    const failures = () => (d.log().match(/auth failed|Authentication failed|password mismatch/gi) ?? []).length;
    const attempts = () => p.logs.split('\n').filter((l) => l.includes('"event":"mailbox-login-refused"')).length;
    await eventually(() => attempts() === 1, () => p.logs.slice(-2000));
    const refusedByDovecot = failures();
    await new Promise((r) => setTimeout(r, 3000)); // a loop would show in three seconds
    assert.equal(attempts(), 1, 'no hot retry');
    assert.equal(failures(), refusedByDovecot, 'Dovecot saw no further login');
    const failed = eventsOf(p).filter((e) => e.type === 'mailbox.failed');
    assert.equal(failed.length, 1);
    assert.equal(JSON.parse(failed[0]!.data!)['identity'], 'box');
    // The operator fixes the password on the server side: the next retry (an hour on) logs in.
    await d.setPassword(USER, 'wrong-password');
    await p.advance(61 * 60_000);
    await eventually(() => statusOf(p, 'box')?.state === 'idle', () => `state: ${JSON.stringify(statusOf(p, 'box'))}`);
    await eventually(() => eventsOf(p).some((e) => e.type === 'mailbox.recovered'), () => JSON.stringify(eventsOf(p).map((e) => e.type)));
  });
});
