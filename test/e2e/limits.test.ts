// Session limits as a client meets them: early talkers, long lines, too many recipients, too many
// errors, idle and data timeouts, and connection caps (total and per IP) refused at connect.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startPetrel, type Petrel } from '../kit/petrel.js';
import { RawSmtp, quit } from '../kit/raw-smtp.js';

describe('per-session limits', () => {
  let p: Petrel;
  before(async () => {
    p = await startPetrel({
      log: { level: 'warn' },
      listeners: { mx: { greetingDelayMs: 300 } },
      limits: { maxRecipients: 3, maxErrors: 4, commandTimeoutSeconds: 2, dataTimeoutSeconds: 2, maxLineLength: 1000 },
    });
  });
  after(async () => {
    await p?.dispose();
  });

  test('a client talking before the greeting gets 554 and is closed', async () => {
    const c = await RawSmtp.connect(p.ports.mx);
    await c.write('EHLO impatient.test\r\n');
    const r = await c.read();
    assert.match(r.raw, /^554/, `reply to an early talker: ${JSON.stringify(r.raw)}`);
    assert.ok(await c.waitClosed(5000), 'early talker not disconnected');
  });

  test('a patient client on the same listener is greeted normally', async () => {
    const c = await RawSmtp.connect(p.ports.mx);
    await c.hello();
    await c.cmd('MAIL FROM:<a@remote.test>', '250');
    await quit(c);
  });

  test('a command line longer than maxLineLength: 500 5.5.6', async () => {
    const c = await RawSmtp.connect(p.ports.submission);
    await c.hello();
    await c.cmd(`NOOP ${'x'.repeat(1500)}`, '500 5.5.6');
    await quit(c);
  });

  test('a huge line sent in pieces: 500 5.5.6 once it ends, and the session goes on', async () => {
    const c = await RawSmtp.connect(p.ports.submission);
    await c.hello();
    for (let i = 0; i < 20; i++) await c.write('y'.repeat(10_000)); // 200 kB, far above maxLineLength
    await c.write('\r\n');
    await c.expect('500 5.5.6', 'end of an over-long line');
    await c.cmd('NOOP', '250');
    await quit(c);
  });

  test('more than maxRecipients: 452 4.5.3', async () => {
    const c = await RawSmtp.connect(p.ports.mx);
    await c.hello();
    await c.cmd('MAIL FROM:<a@remote.test>', '250');
    for (const r of ['postmaster', 'abuse', 'bob']) await c.cmd(`RCPT TO:<${r}@local.test>`, '250');
    await c.cmd('RCPT TO:<x@catchall.test>', '452 4.5.3');
    await quit(c);
  });

  test('too many errors: 421 4.7.0 and close', async () => {
    const c = await RawSmtp.connect(p.ports.submission);
    await c.hello();
    const seen: string[] = [];
    for (let i = 0; i < 6 && !c.closed; i++) {
      await c.send(`BOGUS${i}`);
      const r = await c.read().catch(() => null);
      if (!r) break;
      seen.push(r.raw.trim());
      if (r.code === 421) break;
    }
    assert.match(seen[seen.length - 1] ?? '', /^421 4\.7\.0/, JSON.stringify(seen));
    assert.ok(seen.length <= 5, `421 only after ${seen.length} errors: ${JSON.stringify(seen)}`);
    assert.ok(await c.waitClosed(5000), 'still open after 421');
  });

  test('idle timeout: 421 4.4.2 and close', async () => {
    const c = await RawSmtp.connect(p.ports.submission);
    await c.hello();
    const r = await c.read(15_000);
    assert.match(r.raw, /^421 4\.4\.2/, r.raw);
    assert.ok(await c.waitClosed(5000));
  });

  test('data timeout: 421 4.4.2 and close, nothing queued', async () => {
    const c = await RawSmtp.connect(p.ports.mx);
    await c.hello();
    await c.cmd('MAIL FROM:<stalled@remote.test>', '250');
    await c.cmd('RCPT TO:<postmaster@local.test>', '250');
    await c.cmd('DATA', '354');
    await c.write('Subject: never finished\r\n\r\npartial');
    const r = await c.read(15_000);
    assert.match(r.raw, /^421 4\.4\.2/, r.raw);
    assert.ok(await c.waitClosed(5000));
    assert.equal((await p.queueList()).filter((m) => m.sender === 'stalled@remote.test').length, 0);
  });
});

/** Opens connections until one is refused; returns the open ones and the refusal. */
async function fillUp(port: number, limit: number): Promise<{ open: RawSmtp[]; refusal: string }> {
  const open: RawSmtp[] = [];
  for (let i = 0; i < limit + 2; i++) {
    const c = await RawSmtp.connect(port);
    const r = await c.read().catch((e: Error) => ({ raw: `(${e.message})`, code: 0 }));
    if (r.code === 220) {
      open.push(c);
      continue;
    }
    const closed = await c.waitClosed(5000);
    c.close();
    return { open, refusal: r.raw + (closed ? '' : ' (and not closed)') };
  }
  return { open, refusal: '' };
}

/** Retries a connection until it is greeted (the server notices closes asynchronously). */
async function greetedAgain(port: number): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    const c = await RawSmtp.connect(port);
    const r = await c.read().catch(() => null);
    await quit(c);
    if (r?.code === 220) return true;
    await sleep(100);
  }
  return false;
}

for (const [name, limits] of [
  ['maxConnections', { maxConnections: 3 }],
  ['maxConnectionsPerIp', { maxConnectionsPerIp: 3 }],
] as const) {
  describe(`${name} = 3`, () => {
    let p: Petrel;
    before(async () => {
      p = await startPetrel({ log: { level: 'warn' }, limits });
      await sleep(200); // let the server see the start-up probes close
    });
    after(async () => {
      await p?.dispose();
    });

    test('the fourth connection gets 421 4.7.0 at connect and is closed', async () => {
      const { open, refusal } = await fillUp(p.ports.submission, 3);
      try {
        assert.equal(open.length, 3, `accepted ${open.length} connections; refusal: ${refusal}`);
        assert.match(refusal, /^421 4\.7\.0/, refusal);
        assert.doesNotMatch(refusal, /not closed/, refusal);
      } finally {
        for (const c of open) await quit(c);
      }
      assert.ok(await greetedAgain(p.ports.submission), 'not greeted after the others closed');
    });
  });
}
