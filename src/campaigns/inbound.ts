// Inbound mail about campaigns: a reply (In-Reply-To/References naming a Message-ID we sent, or mail
// from a contact to the identity that wrote to it) stops the contact unless it is an automatic reply;
// mail to unsub+TOKEN@ unsubscribes. An automatic reply pauses the contact until its stated return (as
// one read from a mailbox does). Reads inbound messages after its cursor; bounces are not replies.
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { decodeWords, field, parseFields, type Field } from '../bounce/report/fields.js';
import { prepareEventInsert } from '../events/store.js';
import type { Envelope } from '../smtp/server/ports.js';
import type { Db } from '../store/db.js';
import type { Logger } from '../util/log.js';
import { returnDate } from '../inbox/out-of-office.js';
import { newText } from '../inbox/text.js';
import { isAutoReply } from './auto-reply.js';
import { Cursors } from './cursors.js';
import { ContactPauses } from './pause.js';
import { ReplyMatcher } from './reply-match.js';
import { CampaignStore, type CampaignSend } from './store.js';
import type { ContactStops } from './stops.js';
import { tokenOfAddress, type UnsubscribeTokens } from './unsubscribe-token.js';

const HEAD_BYTES = 64 * 1024;
const BATCH = 100;
const DAY = 86_400_000;

interface Row { rowid: number; id: string; envelope: string; body: Buffer | null; bodyPath: string | null; receivedAt: number }

export interface InboundDeps {
  db: Db;
  dataDir: string;
  stops: ContactStops;
  tokens: UnsubscribeTokens;
  log: Logger;
  /** An auto-reply without a stated return pauses the contact this many days (mailboxes.autoReplyPauseDays). */
  autoReplyPauseDays?: number;
}

export class InboundWatcher {
  private readonly cursors: Cursors;
  private readonly store: CampaignStore;
  private readonly next;
  private readonly last;
  private readonly event;
  private readonly replies: ReplyMatcher;
  private readonly pauses: ContactPauses;

  constructor(private readonly deps: InboundDeps) {
    const { db } = deps;
    this.cursors = new Cursors(db);
    this.store = new CampaignStore(db);
    this.event = prepareEventInsert(db);
    this.next = db.prepare(`SELECT rowid, id, envelope, body, body_path AS bodyPath, received_at AS receivedAt FROM messages
      WHERE rowid > ? AND rowid <= ? AND direction = 'inbound' ORDER BY rowid LIMIT ${BATCH}`);
    this.last = db.prepare('SELECT coalesce(max(rowid), 0) FROM messages').pluck();
    this.replies = new ReplyMatcher(db);
    this.pauses = new ContactPauses(db);
  }

  /** Read the inbound mail since the cursor; returns how many messages concerned a campaign. */
  drain(): number {
    let handled = 0;
    // The cursor moves past outbound rows too, so a tick never rescans the queue for inbound mail.
    const end = this.last.get() as number;
    for (let round = 0; round < 100; round++) {
      const from = this.cursors.get('inbound', () => end);
      if (from >= end) break;
      const rows = this.next.all(from, end) as Row[];
      for (const row of rows) {
        handled += this.safely(row) ? 1 : 0;
        this.cursors.set('inbound', row.rowid);
      }
      if (rows.length < BATCH) this.cursors.set('inbound', end);
    }
    return handled;
  }

  private safely(row: Row): boolean {
    try {
      return this.handle(row);
    } catch (error) {
      // One unreadable message must not stop the watcher: log it and go on.
      this.deps.log.error({ event: 'campaign-inbound-failed', message: row.id, err: error }, 'could not read inbound mail for campaigns');
      return false;
    }
  }

  private handle(row: Row): boolean {
    const envelope = JSON.parse(row.envelope) as Envelope;
    const token = envelope.recipients.map((r) => tokenOfAddress(r.address)).find((t) => t !== null);
    if (token) return this.unsubscribe(token, row);
    if (envelope.sender === '') return false; // bounces and DSNs belong to the report service
    const start = this.start(row);
    const fields = parseFields(headerText(start));
    if (/multipart\/report/i.test(field(fields, 'content-type'))) return false;
    const send = this.repliedSend(fields, envelope);
    if (!send) return false;
    const subject = decodeWords(field(fields, 'subject')).slice(0, 200);
    if (isAutoReply(fields)) {
      // The body as the first bytes give it (an encoded body only loses its stated date: the default applies).
      const stated = returnDate(`${subject}\n${newText(bodyText(start))}`, row.receivedAt);
      const until = stated ?? row.receivedAt + (this.deps.autoReplyPauseDays ?? 3) * DAY;
      const paused = this.pauses.untilReturn({ send, until, subject, at: row.receivedAt, source: 'reply', reply: row.id });
      this.deps.log.info({ event: 'campaign-auto-reply', campaign: send.campaign, contact: send.email, reply: row.id, until, paused }, 'automatic reply: the sequence pauses until the return');
      return true;
    }
    const result = this.deps.stops.apply({ send, kind: 'replied', reason: subject || '(no subject)', at: row.receivedAt, source: 'reply' });
    this.deps.log.info({ event: 'campaign-reply', campaign: send.campaign, contact: send.email, reply: row.id, stopped: result.stopped, company: result.company.length }, 'a contact replied');
    return true;
  }

  private repliedSend(fields: readonly Field[], envelope: Envelope): CampaignSend | null {
    const threaded = this.replies.byThread(field(fields, 'in-reply-to'), field(fields, 'references'));
    if (threaded) return threaded;
    const from = /<([^<>\s]+@[^<>\s]+)>|([^\s<>"]+@[^\s<>"]+)/.exec(field(fields, 'from'));
    const contact = from?.[1] ?? from?.[2] ?? envelope.sender;
    return this.replies.bySender(contact, envelope.recipients.map((r) => r.address));
  }

  private unsubscribe(token: string, row: Row): boolean {
    const id = this.deps.tokens.verify(token);
    const send = id === null ? null : this.store.sendByMessage(id);
    if (!send) return false;
    this.deps.stops.apply({ send, kind: 'unsubscribed', reason: 'mailto unsubscribe', at: row.receivedAt, source: 'mailto' });
    return true;
  }

  /** The message's first bytes: its header block and the start of its body. */
  private start(row: Row): Buffer {
    if (row.bodyPath === null) return (row.body ?? Buffer.alloc(0)).subarray(0, HEAD_BYTES);
    const fd = openSync(join(this.deps.dataDir, row.bodyPath), 'r');
    try {
      const buf = Buffer.alloc(HEAD_BYTES);
      return buf.subarray(0, readSync(fd, buf, 0, buf.length, 0));
    } finally {
      closeSync(fd);
    }
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The header block of a message's first bytes as text: UTF-8 when valid (RFC 6532 raw 8-bit fields,
 * so an 8-bit vacation subject is recognised), else latin1, one character per byte.
 */
function headerText(bytes: Buffer): string {
  const end = /\r?\n\r?\n/.exec(bytes.toString('latin1'))?.index ?? bytes.length;
  return decoded(bytes.subarray(0, end));
}

/** What follows the header block, as text (undecoded: a plain-text body reads as written). */
function bodyText(bytes: Buffer): string {
  const m = /\r?\n\r?\n/.exec(bytes.toString('latin1'));
  return m ? decoded(bytes.subarray(m.index + m[0].length)) : '';
}

function decoded(bytes: Buffer): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}
