// What one contact gets for one step: the A/B variant (a weighted choice seeded by campaign, contact
// and step, so a preview and a retry after a crash pick the same), the subject (a follow-up without
// its own replies in the thread), text and HTML with the contact's fields. Pure; never throws on data.
import { pickWeighted } from './choose.js';
import { replySubject } from './compose.js';
import { variantsOf, type Campaign } from './definition.js';
import { compileTemplate, renderTemplate } from './template.js';

export interface RenderedStep {
  ok: true;
  step: number;
  variant: string | null;
  subject: string;
  text: string;
  html: string | undefined;
  /** Replies in the thread of the earlier steps (no subject of its own). */
  threaded: boolean;
}
export type StepRender = RenderedStep | { ok: false; step: number; missing: string[]; where: string };

/**
 * Step `k` (1-based) for a contact with `fields`; `firstSubject` is the subject step 1 was sent with
 * (needed for follow-ups without a subject).
 */
export function renderStep(c: Campaign, k: number, email: string, fields: Readonly<Record<string, string>>, firstSubject: string | null): StepRender {
  const step = c.steps[k - 1]!;
  const seed = `${c.name}\u0000${email}\u0000${k}`;
  const variant = pickWeighted(variantsOf(step), seed);
  const parts: Array<[string, string | undefined, boolean]> = [['subject', variant.subject, false], ['text', variant.text, false], ['html', variant.html, true]];
  const out: Record<string, string | undefined> = {};
  for (const [where, source, html] of parts) {
    if (source === undefined) continue;
    const r = renderTemplate(compileTemplate(source), fields, `${seed}\u0000${where}`, { html });
    if (!r.ok) return { ok: false, step: k, missing: r.missing, where };
    out[where] = r.text;
  }
  const threaded = out['subject'] === undefined;
  const subject = threaded ? replySubject(firstSubject ?? '') : out['subject']!.replace(/[\r\n]+/g, ' ');
  return { ok: true, step: k, variant: variant.variant, subject, text: out['text']!, html: out['html'], threaded };
}
