// renderStep: the A/B variant is a deterministic weighted choice per (campaign, contact, step); a
// follow-up without a subject replies in the thread; a missing field is reported with where it was.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCampaign, type CampaignInput } from './definition.js';
import { renderStep, type RenderedStep, type StepRender } from './render.js';
import { campaignInput } from './testkit.js';

const ab = (over: Partial<CampaignInput> = {}) => parseCampaign(campaignInput({
  steps: [
    { delay: 0, subject: 'Hello {{first_name}}', text: 'Hi {{first_name}}', variants: [{ text: 'A text', weight: 3 }, { id: 'B', subject: 'Question', text: 'B text' }] },
    { delay: '2d', text: 'Still there, {{first_name | "friend"}}?' },
  ],
  ...over,
}));

function ok(r: StepRender): RenderedStep {
  assert.ok(r.ok, `render failed: ${JSON.stringify(r)}`);
  return r;
}

const emails = Array.from({ length: 400 }, (_, i) => `c${i}@x.test`);

describe('renderStep', () => {
  it('picks the same variant every time for the same campaign, contact and step', () => {
    const c = ab();
    for (const email of emails.slice(0, 20)) {
      const first = ok(renderStep(c, 1, email, { first_name: 'Ada' }, null));
      assert.deepEqual(ok(renderStep(c, 1, email, { first_name: 'Ada' }, null)), first);
    }
  });

  it('picks variants by weight (3:1 over 400 contacts) and by campaign name too', () => {
    const c = ab();
    const picks = emails.map((e) => ok(renderStep(c, 1, e, { first_name: 'Ada' }, null)).variant);
    const a = picks.filter((v) => v === 'A').length;
    assert.equal(a + picks.filter((v) => v === 'B').length, 400);
    assert.ok(a > 260 && a < 340, `A picked ${a} times of 400`);
    const other = ab({ name: 'autumn' });
    const otherPicks = emails.map((e) => ok(renderStep(other, 1, e, { first_name: 'Ada' }, null)).variant);
    assert.notDeepEqual(otherPicks, picks);
  });

  it('renders the chosen variant over the step: its own subject, or the step\'s', () => {
    const c = ab();
    const rendered = emails.slice(0, 40).map((e) => ok(renderStep(c, 1, e, { first_name: 'Ada' }, null)));
    const a = rendered.find((r) => r.variant === 'A')!;
    const b = rendered.find((r) => r.variant === 'B')!;
    assert.deepEqual([a.subject, a.text, a.threaded], ['Hello Ada', 'A text', false]);
    assert.deepEqual([b.subject, b.text, b.threaded], ['Question', 'B text', false]);
  });

  it('sends a follow-up without a subject as "Re: <first subject>", threaded', () => {
    const r = ok(renderStep(ab(), 2, 'c1@x.test', {}, 'Hello Ada'));
    assert.deepEqual(r, { ok: true, step: 2, variant: null, subject: 'Re: Hello Ada', text: 'Still there, friend?', html: undefined, threaded: true });
    assert.equal(ok(renderStep(ab(), 2, 'c1@x.test', {}, 'RE: Hello')).subject, 'RE: Hello');
  });

  it('reports missing fields and where they were missing', () => {
    assert.deepEqual(renderStep(ab(), 1, emails[0]!, {}, null), { ok: false, step: 1, missing: ['first_name'], where: 'subject' });
    const c = parseCampaign(campaignInput({ steps: [{ delay: 0, subject: 'Hi', text: 'x', html: '<p>{{company}} and {{city}}</p>' }] }));
    assert.deepEqual(renderStep(c, 1, 'a@x.test', { city: '' }, null), { ok: false, step: 1, missing: ['company', 'city'], where: 'html' });
  });

  it('escapes fields in HTML and never lets a field break the subject line', () => {
    const c = parseCampaign(campaignInput({ steps: [{ delay: 0, subject: 'For {{company}}', text: '{{company}}', html: '<b>{{company}}</b>' }] }));
    const r = ok(renderStep(c, 1, 'a@x.test', { company: 'A&B\r\nBcc: evil@x.test' }, null));
    assert.doesNotMatch(r.subject, /[\r\n]/);
    assert.match(r.html!, /A&amp;B/);
  });
});
