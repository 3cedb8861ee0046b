// SMTP smuggling probes: a message whose body holds a fake end-of-data followed by a whole second
// transaction from an "evil" sender. check() fails if the fake end was honoured or evil got queued.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Petrel, QueueItem } from './petrel.js';
import { openSession, tag } from './mail.js';
import { readStoredBody } from './store.js';

/** [printable name, bytes] of every fake end-of-data sequence we try. */
export const SMUGGLING_VARIANTS: [string, string][] = [
  ['\\n.\\n', '\n.\n'],
  ['\\r.\\r', '\r.\r'],
  ['\\r.\\n', '\r.\n'],
  ['\\n.\\r', '\n.\r'],
  ['\\n.\\r\\n', '\n.\r\n'],
  ['\\r\\n.\\n', '\r\n.\n'],
  ['\\r.\\r\\n', '\r.\r\n'],
  ['\\r\\n.\\r', '\r\n.\r'],
  ['\\r\\n\\0.\\r\\n', '\r\n\0.\r\n'],
  ['\\r\\n.\\0\\r\\n', '\r\n.\0\r\n'],
  ['\\r\\n.\\r\\r\\n', '\r\n.\r\r\n'],
  ['\\r\\r\\n.\\r\\r\\n', '\r\r\n.\r\r\n'],
];

export interface SmuggleAttempt {
  name: string;
  from: string;
  evil: string;
  transcript: string; // every reply after DATA, for failure messages
}

/**
 * One probe on `port` (an mx listener): MAIL/RCPT/DATA, then
 * `hello<variant>MAIL FROM:<evil>..DATA..smuggled<CRLF>.<CRLF>`, a real `<CRLF>.<CRLF>`, and QUIT.
 */
export async function smuggle(port: number, name: string, seq: string): Promise<SmuggleAttempt> {
  const from = `${tag('smuggle')}@remote.test`;
  const evil = `${tag('evil')}@evil.test`;
  const c = await openSession(port);
  await c.cmd(`MAIL FROM:<${from}>`, '250');
  await c.cmd('RCPT TO:<postmaster@local.test>', '250');
  await c.cmd('DATA', '354');
  await c.write(
    `From: <${from}>\r\nSubject: smuggling ${name}\r\n\r\nhello${seq}` +
      `MAIL FROM:<${evil}>\r\nRCPT TO:<bob@local.test>\r\nDATA\r\nsmuggled\r\n.\r\n` +
      '\r\n.\r\nQUIT\r\n',
  );
  const replies = await c.readUntilClosed(8000);
  c.close();
  return { name, from, evil, transcript: replies.map((r) => r.raw).join('') };
}

/** At most one message from the probe, none from evil, and a stored one was not cut at the variant. */
export function checkSmuggle(dataDir: string, a: SmuggleAttempt, queue: QueueItem[]): void {
  const evil = queue.filter((m) => m.sender === a.evil);
  assert.equal(evil.length, 0, `${a.name}: a smuggled message was queued; replies:\n${a.transcript}`);
  const mine = queue.filter((m) => m.sender === a.from);
  assert.ok(mine.length <= 1, `${a.name}: ${mine.length} messages queued; replies:\n${a.transcript}`);
  for (const m of mine) {
    const body = readStoredBody(dataDir, m.id).toString('latin1');
    assert.ok(body.includes('smuggled'), `${a.name}: message cut short at the variant: ${JSON.stringify(body)}`);
  }
}

/**
 * Registers one test per variant (inside the caller's describe): all probes run at once against the
 * MX port, then one `queue list` serves every check. `title` names what each test proves.
 */
export function smugglingSuite(server: () => Petrel, title: (variant: string) => string): void {
  let attempts: SmuggleAttempt[] = [];
  let queue: QueueItem[] = [];
  before(async () => {
    const p = server();
    attempts = await Promise.all(SMUGGLING_VARIANTS.map(([name, seq]) => smuggle(p.ports.mx, name, seq)));
    queue = await p.queueList();
  });
  for (const [i, [name]] of SMUGGLING_VARIANTS.entries()) {
    test(title(name), () => checkSmuggle(server().dataDir, attempts[i]!, queue));
  }
}
