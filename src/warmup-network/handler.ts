// Warm-up mail arriving in a network mailbox: where it landed is recorded (inbox or spam), a copy in
// Junk is moved to INBOX (a rescue), it is marked read, a stable share flagged, and a stable share of
// originals answered in thread. Any message with the tag header is taken (true), known or not, so
// warm-up mail never reaches the unified inbox. A failed IMAP action throws: the watcher reads it again.
import { headerFields } from '../api/compose.js';
import { IdentityStore } from '../identities/store.js';
import type { MailDeps } from '../mailboxes/deps.js';
import type { ArrivedMail, MailboxActions, MailHandler } from '../mailboxes/types.js';
import { decides } from './pairs.js';
import { sendAnswer, type Answered } from './send.js';
import { WarmupStore, type WarmupMail } from './store.js';
import { hasRoomToday } from './room.js';

/** What to do with an arrived warm-up message. Pure. */
export interface Decision {
  placement: 'inbox' | 'spam';
  rescue: boolean;
  flags: string[];
  answer: boolean;
}

export function decide(row: WarmupMail, junk: boolean, shares: { flagShare: number; replyShare: number }): Decision {
  const flag = decides(row.tag, 'flag', shares.flagShare);
  return {
    placement: junk ? 'spam' : 'inbox',
    rescue: junk,
    flags: flag ? ['\\Seen', '\\Flagged'] : ['\\Seen'],
    // Answers are never answered again, so a thread is at most two messages long.
    answer: row.threadTag === null && decides(row.tag, 'reply', shares.replyShare),
  };
}

export function warmupHandler(deps: MailDeps): MailHandler {
  const store = new WarmupStore(deps.db);
  const identities = new IdentityStore(deps.db);
  return {
    name: 'warmupHandler',
    handle: async (mail, actions) => {
      const fields = headerFields(headerPart(mail.raw));
      const header = deps.config.warmupNetwork.header.toLowerCase();
      const tag = fields.find(([name]) => name === header)?.[1];
      if (tag === undefined) return false;
      const row = store.get(tag);
      if (!row || row.recipient !== mail.identity) {
        deps.log.info({ event: 'warmup-unknown', identity: mail.identity, folder: mail.folder, tag: tag.slice(0, 64) }, 'warm-up mail with a tag this network did not send to this mailbox: left alone');
        return true;
      }
      if (row.receivedAt !== null) return true; // read before (or the copy moved to INBOX)
      const d = decide(row, mail.junk, deps.config.warmupNetwork);
      await act(actions, d);
      const now = deps.clock();
      if (!store.markArrived(tag, { receivedAt: now, folder: mail.folder, placement: d.placement, rescued: d.rescue, flagged: d.flags.includes('\\Flagged') })) return true;
      deps.log.info({ event: 'warmup-received', identity: mail.identity, from: row.sender, tag, placement: d.placement, rescued: d.rescue }, 'warm-up mail arrived');
      if (d.answer) await answer(deps, { store, identities }, row, fields, now);
      return true;
    },
  };
}

/** Flags first: a move takes the message's flags along, and after it the Junk copy is gone. */
async function act(actions: MailboxActions, d: Decision): Promise<void> {
  await actions.addFlags(d.flags);
  if (d.rescue) await actions.moveToInbox();
}

/** Answer in thread from the receiving identity, when it has room today; a failure is logged, not retried. */
async function answer(deps: MailDeps, s: { store: WarmupStore; identities: IdentityStore }, row: WarmupMail, fields: Array<[string, string]>, now: number): Promise<void> {
  const from = s.identities.get(row.recipient);
  const to = s.identities.get(row.sender);
  if (!from || !to || from.state === 'paused' || !hasRoomToday(deps.db, from, now)) return;
  if (!s.store.claimReply(row.tag, now)) return;
  try {
    await sendAnswer(deps, from, to, answeredOf(row, fields), now);
  } catch (error) {
    deps.log.warn({ event: 'warmup-reply-failed', identity: from.name, tag: row.tag, err: error }, 'queueing a warm-up answer failed; it is not retried');
  }
}

function answeredOf(row: WarmupMail, fields: Array<[string, string]>): Answered {
  const field = (name: string) => fields.find(([n]) => n === name)?.[1] ?? '';
  const references = field('references').match(/<[^<>\s]+>/g)?.map((id) => id.slice(1, -1)) ?? [];
  return { tag: row.tag, subject: field('subject'), thread: [...references, row.headerId] };
}

/** The header section of a message as CRLF text (IMAP gives CRLF; be lenient with bare LF). */
function headerPart(raw: Buffer): Buffer {
  const text = raw.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  return Buffer.from((end < 0 ? text : text.slice(0, end)).replace(/\r?\n/g, '\r\n') + '\r\n\r\n', 'latin1');
}
