// validateCampaign: schema issues and template syntax errors, each with its path, all at once.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { campaignInput } from './testkit.js';
import { CampaignInputError, validateCampaign } from './validate.js';

/** The issues validateCampaign throws for `input`. */
function issuesOf(input: unknown): CampaignInputError['issues'] {
  try {
    validateCampaign(input);
  } catch (error) {
    assert.ok(error instanceof CampaignInputError, `expected CampaignInputError, got ${String(error)}`);
    return error.issues;
  }
  return assert.fail('expected validateCampaign to throw');
}

describe('validateCampaign', () => {
  it('returns the parsed campaign when every template compiles', () => {
    const c = validateCampaign(campaignInput());
    assert.equal(c.name, 'spring');
    assert.equal(c.steps.length, 2);
  });

  it('reports a template syntax error with its path', () => {
    const issues = issuesOf(campaignInput({ steps: [{ delay: 0, subject: 'Hi', text: 'Hello {{first_name' }] }));
    assert.equal(issues.length, 1);
    assert.equal(issues[0]!.path, 'steps.0.text');
    assert.match(issues[0]!.message, /at 1:\d+/);
  });

  it('reports every broken template at once, variants included, and names them in the message', () => {
    const input = campaignInput({
      steps: [
        { delay: 0, subject: 'Hi {{ }}', text: 'ok', html: '<p>{a|b</p>' },
        { delay: '2d', text: 'fine', variants: [{ text: 'x' }, { text: 'Hi {{name | there}}' }] },
      ],
    });
    const issues = issuesOf(input);
    assert.deepEqual(issues.map((i) => i.path), ['steps.0.subject', 'steps.0.html', 'steps.1.variants.1.text']);
    assert.match(issues[2]!.message, /fallback must be quoted/);
    try {
      validateCampaign(input);
    } catch (error) {
      assert.match((error as Error).message, /^steps\.0\.subject: .+; steps\.0\.html: .+; steps\.1\.variants\.1\.text: /);
    }
  });

  it('names the field that failed inside a schedule or tracking, not just "schedule: Invalid input"', () => {
    const at = (input: object) => issuesOf(campaignInput(input)).map((i) => `${i.path}: ${i.message}`);
    assert.deepEqual(at({ schedule: { start: '9:60', end: 17 } }), ['schedule.start: HH:MM from 00:00 to 24:00, e.g. 09:00']);
    assert.match(at({ schedule: { start: 8, end: 25 } })[0]!, /^schedule\.end: Too big/);
    assert.match(at({ schedule: { days: ['mon', 'fun'] } })[0]!, /^schedule\.days\.1: /);
    assert.match(at({ tracking: { opens: true } })[0]!, /^tracking\.host: /);
    assert.deepEqual(at({ schedule: 'sometimes' }).map((l) => l.split(':')[0]), ['schedule']);
  });

  it('turns schema errors into issues with their paths, before templates are looked at', () => {
    const issues = issuesOf(campaignInput({ list: '', steps: [{ delay: 'later', subject: '{{', text: 'x' }, { delay: '1d' }] }));
    assert.deepEqual(issues.map((i) => i.path), ['list', 'steps.0.delay', 'steps.1.text']);
  });
});
