// The campaign schema: delays, the acceptance file as written, errors that name their path, defaults,
// and the variants of a step with their ids.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { campaignSchema, parseCampaign, parseDelay, variantsOf, type CampaignInput } from './definition.js';
import { campaignInput } from './testkit.js';

const ACCEPTANCE = `
name: bar08
list: bar
pool: p
schedule: always
steps:
  - delay: 0
    subject: "Quick question, {{first_name}}"
    text: "{Hi|Hello} {{first_name | \\"there\\"}}, is {{company}} hiring?"
  - delay: 40s
    text: "Following up on my note."
`;

/** The issues of an input the schema rejects, as "path: message". */
function issues(input: unknown): string[] {
  const r = campaignSchema.safeParse(input);
  assert.equal(r.success, false, 'expected the schema to reject the input');
  return r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

const has = (list: string[], re: RegExp) => assert.ok(list.some((l) => re.test(l)), `no issue like ${re} in ${JSON.stringify(list)}`);
const withSteps = (steps: CampaignInput['steps']) => campaignInput({ steps });

describe('parseDelay', () => {
  it('reads 0 and fixed lengths in every unit', () => {
    assert.deepEqual(parseDelay(0), { kind: 'fixed', ms: 0 });
    assert.deepEqual(parseDelay('0'), { kind: 'fixed', ms: 0 });
    assert.deepEqual(parseDelay('30s'), { kind: 'fixed', ms: 30_000 });
    assert.deepEqual(parseDelay('10m'), { kind: 'fixed', ms: 600_000 });
    assert.deepEqual(parseDelay('2h'), { kind: 'fixed', ms: 7_200_000 });
    assert.deepEqual(parseDelay('3d'), { kind: 'fixed', ms: 3 * 86_400_000 });
    assert.deepEqual(parseDelay('3 days'), { kind: 'fixed', ms: 3 * 86_400_000 });
    assert.deepEqual(parseDelay(' 1 Hour '), { kind: 'fixed', ms: 3_600_000 });
  });

  it('reads business days, one or many', () => {
    assert.deepEqual(parseDelay('2 business days'), { kind: 'business', days: 2 });
    assert.deepEqual(parseDelay('1 business day'), { kind: 'business', days: 1 });
    assert.deepEqual(parseDelay('5  Business  Days'), { kind: 'business', days: 5 });
  });

  it('refuses what is not a delay, and more than a year', () => {
    for (const bad of ['', 'soon', '3', '3 weeks', '-1d', '1.5h', 'd3', '3 business', 12, -0.5]) assert.equal(parseDelay(bad), null, String(bad));
    assert.equal(parseDelay('367d'), null);
    assert.equal(parseDelay('9000h'), null);
    assert.equal(parseDelay('400 business days'), null);
    assert.deepEqual(parseDelay('365d'), { kind: 'fixed', ms: 365 * 86_400_000 });
  });
});

describe('campaignSchema', () => {
  it('parses the acceptance file as it is', () => {
    const c = parseCampaign(parseYaml(ACCEPTANCE));
    assert.equal(c.name, 'bar08');
    assert.equal(c.schedule, 'always');
    assert.deepEqual(c.steps.map((s) => s.delay), [{ kind: 'fixed', ms: 0 }, { kind: 'fixed', ms: 40_000 }]);
    assert.equal(c.steps[0]!.text, '{Hi|Hello} {{first_name | "there"}}, is {{company}} hiring?');
    assert.equal(c.steps[1]!.subject, undefined);
  });

  it('fills the defaults: stopOn without companyReply, no tracking, always', () => {
    const c = parseCampaign(campaignInput());
    assert.deepEqual(c.stopOn, ['reply', 'bounce', 'unsubscribe', 'complaint']);
    assert.equal(c.tracking, 'none');
    assert.equal(c.schedule, 'always');
    const w = parseCampaign(campaignInput({ schedule: { timezone: 'Europe/Paris' } })).schedule;
    assert.deepEqual(w, { timezone: 'Europe/Paris', fallbackTimezone: 'UTC', days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: 540, end: 1020 });
  });

  it('names the path of a bad delay', () => {
    has(issues(withSteps([{ delay: 0, subject: 'Hi', text: 'x' }, { delay: 'next week', text: 'y' }])), /^steps\.1\.delay: "next week" is not a delay/);
  });

  it('wants a pool or an identity, not both and not neither', () => {
    has(issues(campaignInput({ pool: undefined })), /^pool: give pool or identity/);
    has(issues(campaignInput({ identity: 'ann' })), /^pool: give pool or identity/);
    assert.equal(parseCampaign(campaignInput({ pool: undefined, identity: 'ann' })).identity, 'ann');
  });

  it('wants a subject on the first step (its own or every variant\'s)', () => {
    has(issues(withSteps([{ delay: 0, text: 'x' }])), /^steps\.0\.subject: the first step needs a subject/);
    has(issues(withSteps([{ delay: 0, text: 'x', variants: [{ subject: 'A' }, { text: 'b' }] }])), /^steps\.0\.subject:/);
    assert.ok(parseCampaign(withSteps([{ delay: 0, text: 'x', variants: [{ subject: 'A' }, { subject: 'B' }] }])));
  });

  it('wants text on every step and every variant', () => {
    has(issues(withSteps([{ delay: 0, subject: 'Hi' }])), /^steps\.0\.text: a step needs text/);
    has(issues(withSteps([{ delay: 0, subject: 'Hi', variants: [{ text: 'a' }, { subject: 'B' }] }])), /^steps\.0\.variants\.1\.text: a variant needs text/);
  });

  it('wants a window that ends after it starts', () => {
    has(issues(campaignInput({ schedule: { start: '17:00', end: '09:00' } })), /^schedule\.end: end must be later than start/);
    has(issues(campaignInput({ schedule: { start: 10, end: 10 } })), /^schedule\.end:/);
    const w = parseCampaign(campaignInput({ schedule: { start: '08:30', end: 18 } })).schedule;
    assert.deepEqual(w !== 'always' && [w.start, w.end], [510, 1080]);
  });

  it('takes times of day up to 24:00 only', () => {
    const w = parseCampaign(campaignInput({ schedule: { start: '22:00', end: '24:00' } })).schedule;
    assert.deepEqual(w !== 'always' && [w.start, w.end], [1320, 1440]);
    for (const schedule of [{ start: '22:00', end: '24:30' }, { start: 24, end: '24:59' }, { start: '9:60', end: 17 }, { start: 8, end: 25 }]) {
      assert.equal(campaignSchema.safeParse(campaignInput({ schedule })).success, false, JSON.stringify(schedule));
    }
  });

  it('rejects unknown keys at every level', () => {
    has(issues({ ...campaignInput(), stopon: ['reply'] }), /^: Unrecognized key: "stopon"/);
    has(issues(withSteps([{ delay: 0, subject: 'Hi', text: 'x', subjet: 'typo' } as CampaignInput['steps'][number]])), /^steps\.0: Unrecognized key: "subjet"/);
    has(issues(campaignInput({ schedule: { timezone: 'UTC', hours: 3 } as never })), /^schedule: Unrecognized key: "hours"/);
  });

  it('refuses a subject with a line break and an unknown zone', () => {
    has(issues(withSteps([{ delay: 0, subject: 'Hi\r\nBcc: x@y.test', text: 'x' }])), /^steps\.0\.subject: must not contain CR or LF/);
    has(issues(campaignInput({ schedule: { timezone: 'Mars/Olympus' } })), /^schedule\.timezone:/);
  });
});

describe('variantsOf', () => {
  it('names variants A, B, ... by position, keeps given ids, and inherits the step\'s parts', () => {
    const c = parseCampaign(withSteps([{ delay: 0, subject: 'S', text: 'T', variants: [{ text: 'a', weight: 3 }, { id: 'short', subject: 'S2' }, { html: '<p>c</p>' }] }]));
    assert.deepEqual(variantsOf(c.steps[0]!), [
      { variant: 'A', weight: 3, subject: 'S', text: 'a', html: undefined },
      { variant: 'short', weight: 1, subject: 'S2', text: 'T', html: undefined },
      { variant: 'C', weight: 1, subject: 'S', text: 'T', html: '<p>c</p>' },
    ]);
  });

  it('gives a step without variants one null variant', () => {
    const c = parseCampaign(campaignInput());
    assert.deepEqual(variantsOf(c.steps[1]!), [{ variant: null, weight: 1, subject: undefined, text: 'Following up.', html: undefined }]);
  });
});
