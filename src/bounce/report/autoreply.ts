// Recognises auto-replies (RFC 3834 Auto-Submitted: auto-replied, X-Autoreply and friends, or a
// vacation / out-of-office subject). Callers rule out bounces first: Exim marks its bounces auto-replied.

import { decodeWords, field, type Field } from './fields.js';

const SUBJECT = /^\s*(auto(matic)?[ -]?(reply|response|antwort|answer)|out of (the )?office|vacation|away\b|on leave|absence|abwesen|r[ée]ponse automatique|自動応答|不在)/i;

/** Whether the header fields mark an automatic reply. */
export function isAutoReply(fields: readonly Field[]): boolean {
  if (/^auto-replied/i.test(field(fields, 'auto-submitted'))) return true;
  if (fields.some((f) => f.name === 'x-autoreply' || f.name === 'x-autorespond' || f.name === 'x-vacation')) return true;
  if (/^auto[_-]reply$/i.test(field(fields, 'precedence'))) return true;
  return SUBJECT.test(decodeWords(field(fields, 'subject')));
}
