// An answer from the unified inbox: from the identity the message arrived at, to its sender, in its
// thread (Re: subject, In-Reply-To, References). Pure: what to send, or a ReplyError saying why not.
import type { ChosenSender } from '../api/identity-choice.js';
import { isDomainIdentity, type Identity } from '../identities/types.js';
import type { InboxMessage, SentStep } from './views.js';

export class ReplyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplyError';
  }
}

export interface ReplyText {
  text: string;
  html?: string | undefined;
}

/** "Re: " once: a subject that starts with Re: (any case) keeps it. */
export function replySubject(subject: string | null): string {
  const s = (subject ?? '').trim();
  return /^re:/i.test(s) ? s : `Re: ${s}`.trim();
}

/**
 * References of the answer. Their own References are not stored, so the chain is rebuilt: our steps up
 * to the one they answered (each step carried the earlier ones), what they answered, their Message-ID.
 */
export function replyReferences(m: InboxMessage, sent: SentStep[]): string[] {
  const answered = sent.findIndex((s) => s.headerId === m.inReplyTo);
  const ours = answered >= 0 ? sent.slice(0, answered + 1).map((s) => s.headerId) : [];
  const chain = [...ours, m.inReplyTo, m.headerId].filter((id): id is string => id !== null && id !== '');
  return [...new Set(chain)];
}

/** The message (as POST /v1/messages takes it) that answers `m`, leaving from `identity` whatever is sticky. */
export function replySender(m: InboxMessage, sent: SentStep[], identity: Identity | null, body: ReplyText, ourSender: string | null): ChosenSender {
  if (!m.from) throw new ReplyError(`inbox message ${m.id} has no sender address to answer`);
  if (!identity) throw new ReplyError(`identity ${m.identity} no longer exists: it cannot answer`);
  const refs = replyReferences(m, sent);
  const headers: Record<string, string> = {};
  if (m.headerId) headers['In-Reply-To'] = `<${m.headerId}>`;
  if (refs.length > 0) headers['References'] = refs.map((id) => `<${id}>`).join(' ');
  const contact = m.contact ?? m.from;
  const input = {
    identity: identity.name,
    from: { name: '', address: fromAddress(identity, ourSender) },
    to: [{ name: m.fromName ?? '', address: m.from }],
    subject: replySubject(m.subject),
    text: body.text,
    ...(body.html !== undefined ? { html: body.html } : {}),
    headers,
  };
  return { input, identity, request: { identity: identity.name, contact, replyTo: refs } };
}

/** A domain identity answers from the address our send used (its local part is not the identity's). */
function fromAddress(identity: Identity, ourSender: string | null): string {
  if (!isDomainIdentity(identity)) return identity.from;
  if (ourSender === null) throw new ReplyError(`identity ${identity.name} sends for all of ${identity.from} and no send of ours names the address to answer from`);
  return ourSender;
}
