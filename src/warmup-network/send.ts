// Queues one warm-up message through an identity, as an API send with `identity` is queued (the
// identity's relay, its caps and pacing), and records it in warmup_mail. Throws when the queue
// refuses the message; nothing is recorded then.
import { randomBytes } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { replySubject } from '../campaigns/compose.js';
import type { Identity } from '../identities/types.js';
import type { MailDeps } from '../mailboxes/deps.js';
import { rfc5322Date } from '../smtp/server/received.js';
import type { Envelope } from '../smtp/server/ports.js';
import { TraceWriter } from '../smtp/server/trace-writer.js';
import { originalWords, replyText } from './render.js';
import { WarmupStore } from './store.js';

/** What an answer needs of the message it answers. */
export interface Answered {
  tag: string;
  subject: string;
  /** Message-IDs without brackets: its References (oldest first) and its own Message-ID last. */
  thread: string[];
}

export const newTag = (): string => randomBytes(12).toString('base64url');

/** Queue an original from `from` to `to`; returns its tag. */
export function sendOriginal(deps: MailDeps, from: Identity, to: Identity, now: number): Promise<string> {
  const tag = newTag();
  const words = originalWords(tag, from.from, to.from);
  return queue(deps, { tag, from, to, now, subject: words.subject, text: words.text, answered: null });
}

/** Queue `from`'s answer to `to` in the thread of `answered`; returns its tag. */
export function sendAnswer(deps: MailDeps, from: Identity, to: Identity, answered: Answered, now: number): Promise<string> {
  const tag = newTag();
  return queue(deps, { tag, from, to, now, subject: replySubject(answered.subject), text: replyText(tag, from.from, to.from), answered });
}

interface Outgoing {
  tag: string;
  from: Identity;
  to: Identity;
  now: number;
  subject: string;
  text: string;
  answered: Answered | null;
}

async function queue(deps: MailDeps, m: Outgoing): Promise<string> {
  const envelope = envelopeOf(m);
  const writer = deps.queue.open(envelope);
  const headerId = `${writer.id.toLowerCase()}@${deps.config.hostname}`;
  try {
    const bytes = await compose(m, `<${headerId}>`, deps.config.warmupNetwork.header);
    envelope.body = bytes.some((b) => b > 127) ? '8BITMIME' : '7BIT';
    const received = `Received: from warmup-network\r\n\tby ${deps.config.hostname} (Petrel) id ${writer.id};\r\n\t${rfc5322Date(m.now)}\r\n`;
    const trace = new TraceWriter(writer, received, { date: rfc5322Date(m.now), messageId: `<${headerId}>` });
    trace.write(bytes);
    await trace.commit();
  } catch (error) {
    writer.abort();
    throw error;
  }
  new WarmupStore(deps.db).addSent({ tag: m.tag, sender: m.from.name, recipient: m.to.name, messageId: writer.id, headerId, threadTag: m.answered?.tag ?? null, sentAt: m.now });
  deps.wakeDelivery();
  return m.tag;
}

function compose(m: Outgoing, messageId: string, header: string): Promise<Buffer> {
  const thread = m.answered?.thread ?? [];
  const composer = new MailComposer({
    from: m.from.from,
    to: m.to.from,
    subject: m.subject,
    text: m.text,
    ...(thread.length > 0 ? { inReplyTo: `<${thread[thread.length - 1]}>`, references: thread.map((id) => `<${id}>`) } : {}),
    headers: [{ key: header, value: m.tag }],
    messageId,
    date: new Date(m.now),
    newline: 'win',
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return composer.compile().build();
}

function envelopeOf(m: Outgoing): Envelope {
  return {
    sender: m.from.from,
    recipients: [{ address: m.to.from }],
    body: '7BIT',
    smtputf8: /[^\x00-\x7f]/.test(m.from.from + m.to.from),
    authUser: 'warmup-network',
    client: { address: '127.0.0.1', port: 0, helo: 'warmup-network' },
    tls: null,
    role: 'local',
    listener: 'warmup-network',
    receivedAt: m.now,
    tags: ['warmup'],
    identity: m.from.name,
  };
}
