// Which campaign send a reply answers: a Message-ID we sent named by In-Reply-To/References, else the
// contact's own send (by the identity's address it went to, or by the thread's subject with its
// "Re:"/"AW:"/"SV:" prefixes dropped). Used by mail reaching our MX and by mail read from mailboxes.
import type { Db } from '../store/db.js';
import { CampaignStore, type CampaignSend } from './store.js';

/** How many of a contact's sends from one identity are compared by subject. */
const SUBJECT_CANDIDATES = 50;

export class ReplyMatcher {
  private readonly store: CampaignStore;
  private readonly byContact;
  private readonly byIdentity;

  constructor(db: Db) {
    this.store = new CampaignStore(db);
    // A reply without threading headers: the contact's newest send from one of the addresses it wrote to.
    this.byContact = db.prepare(`SELECT s.id FROM campaign_sends s JOIN messages m ON m.id = s.message_id
      WHERE s.email = ? AND lower(m.sender) = ? ORDER BY s.sent_at DESC LIMIT 1`).pluck();
    this.byIdentity = db.prepare(`SELECT id, subject FROM campaign_sends WHERE email = ? AND identity = ?
      ORDER BY sent_at DESC LIMIT ${SUBJECT_CANDIDATES}`);
  }

  /** The newest send whose Message-ID the In-Reply-To or References field names. */
  byThread(inReplyTo: string, references: string): CampaignSend | null {
    const ids = headerIds(`${inReplyTo} ${references}`);
    return ids.length > 0 ? this.store.sendByHeaderIds(ids) : null;
  }

  /** The contact's newest send from one of `sentFrom` (the addresses the reply went to). */
  bySender(contact: string, sentFrom: readonly string[]): CampaignSend | null {
    for (const address of sentFrom) {
      const id = this.byContact.get(contact.toLowerCase(), address.toLowerCase()) as number | undefined;
      if (id !== undefined) return this.store.sendById(id);
    }
    return null;
  }

  /**
   * The contact's newest send from `identity` in the thread `subject` names ("Automatic reply: X" and
   * "Abwesenheitsnotiz: X" name thread X too); with `anyThread`, else its newest send from `identity`.
   */
  bySubject(contact: string, identity: string, subject: string, anyThread = false): CampaignSend | null {
    const wanted = new Set([threadSubject(subject), threadSubject(subject.slice(subject.indexOf(':') + 1))].filter((s) => s !== ''));
    const rows = this.byIdentity.all(contact.toLowerCase(), identity) as Array<{ id: number; subject: string }>;
    const found = rows.find((r) => wanted.has(threadSubject(r.subject))) ?? (anyThread ? rows[0] : undefined);
    return found ? this.store.sendById(found.id) : null;
  }
}

/** The Message-IDs (without angle brackets) a threading field names. */
export function headerIds(value: string): string[] {
  return [...value.matchAll(/<([^<>\s]+)>/g)].map((m) => m[1]!);
}

/** A subject without its reply and forward prefixes ("Re: AW: Fwd: Hello" → "Hello"). */
export function stripPrefixes(subject: string): string {
  return subject.replace(/^(?:\s*(?:re|aw|sv|vs|antw|antwort|r|rif|ref|res|tr|wg|fw|fwd|doorst|enc)(?:\[\d+\])?\s*:\s*)+/i, '').trim();
}

/** The thread a subject belongs to, for comparing: prefixes dropped, case and spacing ignored. */
export function threadSubject(subject: string): string {
  return stripPrefixes(subject).replace(/\s+/g, ' ').toLowerCase();
}
