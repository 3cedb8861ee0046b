// The queue as an operator controls it while `petrel serve` runs (delivery off): `petrel send` queues
// a message, and queue hold/release/retry/flush/bounce/delete change it; unknown ids exit 1, misuse 2.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ALICE, startPetrel, type Petrel, type QueueItem } from '../kit/petrel.js';
import { readStoredBody } from '../kit/store.js';

let p: Petrel;

before(async () => {
  p = await startPetrel({ delivery: { enabled: false } });
});
after(() => p.dispose());

/** Run `petrel ARGS`, which must succeed; its stdout. */
async function ok(args: string[]): Promise<string> {
  const r = await p.cli(args);
  assert.equal(r.code, 0, `petrel ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function exitCode(args: string[]): Promise<number | null> {
  const r = await p.cli(args);
  assert.equal(r.stdout, '', `petrel ${args.join(' ')} printed ${r.stdout}`);
  assert.match(r.stderr, /^petrel: .+\n$/, 'one line on stderr');
  return r.code;
}

/** `petrel send` to two remote recipients; its queue id. */
async function send(...extra: string[]): Promise<string> {
  const args = ['send', '--from', ALICE.user, '--to', 'rcpt@remote.test', '--to', 'other@far.test', ...extra];
  const id = (await ok(args)).trim();
  assert.match(id, /^[0-9A-Z]{10,}$/);
  return id;
}

const listIds = async (...filters: string[]) =>
  (JSON.parse(await ok(['queue', 'list', '--json', ...filters])) as QueueItem[]).map((m) => m.id);
const recipientStates = async (id: string) => (await p.queueShow(id)).recipients.map((r) => r.state);

describe('petrel send', () => {
  test('queues a message from the local source with a Received header, a Date and our Message-ID', async () => {
    const id = await send('--subject', 'queue control', '--text', 'hello', '--header', 'X-Ticket: 42');
    const item = (await p.queueList()).find((m) => m.id === id);
    assert.ok(item, 'listed');
    assert.deepEqual([item.direction, item.state, item.sender], ['outbound', 'queued', ALICE.user]);
    assert.deepEqual(item.recipients.map((r) => [r.address, r.state]), [
      ['rcpt@remote.test', 'queued'],
      ['other@far.test', 'queued'],
    ]);
    const { envelope } = await p.queueShow(id);
    assert.deepEqual([envelope.role, envelope.listener, envelope.authUser, envelope.body], ['local', 'cli', null, '7BIT']);
    const body = readStoredBody(p.dataDir, id).toString('utf8');
    assert.ok(body.startsWith(`Received: from localhost\r\n\tby ${p.hostname} (Petrel) with local id ${id};\r\n`), body);
    assert.match(body, new RegExp(`^Message-ID: <${id}@${p.hostname.replace(/\./g, '\\.')}>\r$`, 'm'));
    assert.match(body, /^Date: .+\r$/m);
    assert.match(body, /^Subject: queue control\r$/m);
    assert.match(body, /^X-Ticket: 42\r$/m);
  });

  test('--raw takes a whole message, with bare LF turned into CRLF and 8-bit bodies marked', async () => {
    const file = join(p.dataDir, 'raw.eml');
    writeFileSync(file, 'From: alice@example.test\nSubject: raw\nMessage-ID: <mine@example.test>\n\nGrüße\n');
    const id = (await ok(['send', '--from', ALICE.user, '--to', 'x@remote.test', '--raw', file])).trim();
    const body = readStoredBody(p.dataDir, id).toString('utf8');
    // Its own Message-ID stays; the missing Date is added at the end of the header section.
    assert.match(body, /\r\nSubject: raw\r\nMessage-ID: <mine@example\.test>\r\nDate: [^\r\n]+\r\n\r\nGrüße\r\n$/);
    assert.equal(body.match(/^Message-ID:/gim)?.length, 1);
    assert.doesNotMatch(body, /[^\r]\n/, 'no bare LF');
    assert.equal((await p.queueShow(id)).envelope.body, '8BITMIME');
  });

  test('usage errors exit 2', async () => {
    const base = ['send', '--from', ALICE.user, '--to', 'x@remote.test'];
    assert.equal(await exitCode(['send', '--to', 'x@remote.test']), 2, 'no --from');
    assert.equal(await exitCode(['send', '--from', ALICE.user]), 2, 'no recipient');
    assert.equal(await exitCode(['send', '--from', 'not an address', '--to', 'x@remote.test']), 2);
    assert.equal(await exitCode(['send', '--from', ALICE.user, '--to', 'x@remote.test\r\nRCPT TO:<y@z.test>']), 2);
    assert.equal(await exitCode([...base, '--text', 'a', '--file', 'b']), 2, 'two bodies');
    assert.equal(await exitCode([...base, '--header', 'no colon here']), 2);
    assert.equal(await exitCode([...base, '--raw', join(p.dataDir, 'missing.eml')]), 2);
    assert.equal(await exitCode([...base, '--raw', join(p.dataDir, 'raw.eml'), '--subject', 's']), 2);
  });
});

describe('petrel queue', () => {
  test('hold and release move recipients out of and back into the queue', async () => {
    const id = await send();
    assert.equal(await ok(['queue', 'hold', id]), `2 recipients of ${id} held\n`);
    assert.deepEqual(await recipientStates(id), ['held', 'held']);
    assert.ok((await listIds('--state', 'held')).includes(id));
    assert.ok(!(await listIds('--state', 'queued')).includes(id));
    assert.equal(await ok(['queue', 'retry', id]), `0 recipients of ${id} due now\n`, 'held mail is not retried');
    assert.equal(await ok(['queue', 'release', id]), `2 recipients of ${id} released\n`);
    assert.deepEqual(await recipientStates(id), ['queued', 'queued']);
    assert.ok(!(await listIds('--state', 'held')).includes(id));
  });

  test('retry, flush and the list filters', async () => {
    const id = await send();
    assert.equal(await ok(['queue', 'retry', id]), `2 recipients of ${id} due now\n`);
    assert.match(await ok(['queue', 'retry', '--all']), /^\d+ recipients due now\n$/);
    assert.match(await ok(['queue', 'flush']), /^0 deferred recipients due now\n$/);
    assert.ok((await listIds('--domain', 'far.test')).includes(id));
    assert.ok((await listIds('--domain', 'far.test', '--state', 'queued', '--direction', 'outbound')).includes(id));
    assert.deepEqual(await listIds('--domain', 'nowhere.test'), []);
    assert.equal(await ok(['queue', 'list', '--state', 'expired']), 'no matching messages\n');
  });

  test('bounce finishes every recipient with 554 5.3.0 and a DSN pending', async () => {
    const id = await send();
    assert.equal(await ok(['queue', 'bounce', id]), `2 recipients of ${id} bounced (DSN pending)\n`);
    const detail = JSON.parse(await ok(['queue', 'show', id, '--json'])) as {
      state: string;
      recipients: { state: string; dsnPending: boolean; finalAt?: number; lastReply?: { code: number; enhanced: string } }[];
    };
    assert.equal(detail.state, 'done');
    for (const r of detail.recipients) {
      assert.deepEqual([r.state, r.dsnPending, r.lastReply?.code, r.lastReply?.enhanced], ['bounced', true, 554, '5.3.0']);
      assert.equal(typeof r.finalAt, 'number');
    }
    const human = await ok(['queue', 'show', id]);
    assert.match(human, /^recipient <rcpt@remote\.test>: bounced, 0 attempts, final \S+, DSN pending$/m);
    assert.match(human, /^ {2}last reply: 554 5\.3\.0 bounced by the operator$/m);
  });

  test('delete removes the message; afterwards its id is unknown (exit 1)', async () => {
    const id = await send();
    assert.equal(await ok(['queue', 'delete', id]), `deleted ${id} (2 recipients)\n`);
    assert.ok(!(await listIds()).includes(id));
    for (const action of ['show', 'delete', 'hold', 'release', 'retry', 'bounce']) {
      assert.equal(await exitCode(['queue', action, id]), 1, action);
    }
  });

  test('usage errors exit 2', async () => {
    assert.equal(await exitCode(['queue', 'retry']), 2, 'neither id nor --all');
    assert.equal(await exitCode(['queue', 'retry', 'SOMEID', '--all']), 2, 'both');
    assert.equal(await exitCode(['queue', 'hold']), 2, 'no id');
    assert.equal(await exitCode(['queue', 'list', '--state', 'lost']), 2);
    assert.equal(await exitCode(['queue', 'list', '--domain', 'not a domain']), 2);
  });
});
