// A warm-up message's words: a template chosen and its spintax resolved from the message's tag, with
// first names guessed from the addresses. Pure; the templates are data (templates.ts).
import { pickWeighted } from '../campaigns/choose.js';
import { compileTemplate, renderTemplate, type Template } from '../campaigns/template.js';
import { WARMUP_REPLIES, WARMUP_TEMPLATES } from './templates.js';

export interface Words {
  subject: string;
  text: string;
}

const compiled = WARMUP_TEMPLATES.map((t) => ({ subject: compileTemplate(t.subject), text: compileTemplate(t.text), weight: 1 }));
const replies = WARMUP_REPLIES.map((t) => ({ text: compileTemplate(t), weight: 1 }));

/** "anna.smith@x.test" → "Anna"; "" when the local part has no letters to speak of. */
export function firstName(address: string): string {
  const word = address.slice(0, address.indexOf('@') >>> 0).split(/[._+-]/)[0] ?? '';
  return /^[a-z]{2,}$/i.test(word) ? word[0]!.toUpperCase() + word.slice(1).toLowerCase() : '';
}

const fieldsOf = (from: string, to: string) => ({ from: firstName(from), to: firstName(to) });

function text(t: Template, fields: Record<string, string>, seed: string): string {
  const r = renderTemplate(t, fields, seed);
  return r.ok ? r.text.replace(/\n{3,}/g, '\n\n') : ''; // every field has a fallback: never empty in practice
}

/** The subject and body of an original, the same for the same tag. */
export function originalWords(tag: string, from: string, to: string): Words {
  const t = pickWeighted(compiled, `${tag}/template`);
  const fields = fieldsOf(from, to);
  return { subject: text(t.subject, fields, `${tag}/subject`), text: text(t.text, fields, `${tag}/text`) };
}

/** The body of an answer (its subject is "Re: " and the original's). */
export function replyText(tag: string, from: string, to: string): string {
  return text(pickWeighted(replies, `${tag}/reply`).text, fieldsOf(from, to), `${tag}/reply-text`);
}
