// `campaign preview NAME --contact EMAIL`: exactly what the engine would send that contact for a step
// (its next one by default): the identity it leaves from, the variant, subject, threading fields and
// bodies with the contact's fields. The unsubscribe token is shown as TOKEN (it names the queued message).
import { IdentityChooser } from '../identities/chooser.js';
import { IdentityStore } from '../identities/store.js';
import type { Db } from '../store/db.js';
import { StoreError } from '../store/errors.js';
import { renderStep } from './render.js';
import { CampaignStore } from './store.js';

export interface Preview {
  campaign: string;
  contact: string;
  step: number;
  variant: string | null;
  identity: string | null;
  from: string | null;
  subject: string;
  inReplyTo: string | null;
  references: string[];
  listUnsubscribe: string;
  text: string;
  html: string | null;
}

export type PreviewResult = ({ ok: true } & Preview) | { ok: false; campaign: string; contact: string; step: number; missing: string[]; where: string };

export function previewStep(db: Db, name: string, email: string, unsubscribe: { baseUrl: string; domain: string }, step?: number): PreviewResult {
  const store = new CampaignStore(db);
  const c = store.require(name);
  const address = email.toLowerCase();
  const data = store.contactData(address);
  if (!data) throw new StoreError('not-found', `no contact ${email}`);
  const k = step ?? Math.min((store.contact(name, address)?.step ?? 0) + 1, c.definition.steps.length);
  if (!Number.isInteger(k) || k < 1 || k > c.definition.steps.length) throw new StoreError('invalid', `step ${step}: campaign ${name} has steps 1 to ${c.definition.steps.length}`);
  const sends = store.sends(name, address).filter((s) => s.step < k);
  const firstSubject = sends[0]?.subject ?? firstStepSubject(db, name, address, data.fields);
  const r = renderStep(c.definition, k, address, data.fields, firstSubject);
  if (!r.ok) return { ok: false, campaign: name, contact: address, step: k, missing: r.missing, where: r.where };
  const identity = identityOf(db, c.definition, store.contact(name, address)?.identity ?? null);
  const thread = r.threaded ? sends.map((s) => `<${s.headerId}>`) : [];
  const base = unsubscribe.baseUrl.replace(/\/$/, '');
  return {
    ok: true, campaign: name, contact: data.address, step: k, variant: r.variant, identity: identity?.name ?? null,
    from: identity ? (c.definition.fromName ? `${c.definition.fromName} <${identity.from}>` : identity.from) : null,
    subject: r.subject, inReplyTo: thread[thread.length - 1] ?? null, references: thread,
    listUnsubscribe: `<${base}/u/TOKEN>, <mailto:unsub+TOKEN@${unsubscribe.domain}?subject=unsubscribe>`,
    text: r.text, html: r.html ?? null,
  };
}

/** Step 1's subject as this contact would get it (a follow-up previewed before step 1 was sent). */
function firstStepSubject(db: Db, name: string, email: string, fields: Record<string, string>): string | null {
  const c = new CampaignStore(db).require(name);
  const r = renderStep(c.definition, 1, email, fields, null);
  return r.ok ? r.subject : null;
}

function identityOf(db: Db, def: { pool?: string | undefined; identity?: string | undefined }, fixed: string | null) {
  const identities = new IdentityStore(db);
  if (fixed) return identities.get(fixed);
  try {
    return new IdentityChooser(db).choose(def.identity !== undefined ? { identity: def.identity } : { pool: def.pool }, Date.now());
  } catch {
    return null;
  }
}

/** The preview as the message would read: header fields, a blank line, the text (and the HTML after it). */
export function renderPreview(p: PreviewResult): string {
  if (!p.ok) return `step ${p.step} cannot be sent to ${p.contact}: ${p.where} has no value for ${p.missing.join(', ')} and no fallback\n`;
  const lines = [
    `# step ${p.step}${p.variant ? `, variant ${p.variant}` : ''}${p.identity ? `, identity ${p.identity}` : ''}`,
    `From: ${p.from ?? '(no identity available)'}`, `To: ${p.contact}`, `Subject: ${p.subject}`,
    ...(p.inReplyTo ? [`In-Reply-To: ${p.inReplyTo}`, `References: ${p.references.join(' ')}`] : []),
    `List-Unsubscribe: ${p.listUnsubscribe}`, 'List-Unsubscribe-Post: List-Unsubscribe=One-Click', '', p.text,
  ];
  if (p.html) lines.push('', '# html', p.html);
  return lines.join('\n') + '\n';
}
