// classify: reports first, then automatic replies, then unsubscribe requests, then replies; else other.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify, type Observed } from './classify.js';

const base: Observed = { report: 'other', auto: false, unsubscribe: false, matched: false, threaded: false };
const kind = (o: Partial<Observed>) => classify({ ...base, ...o });

describe('classify', () => {
  it('takes the report parsers first: a bounce marked auto-replied (Exim) is a bounce', () => {
    assert.equal(kind({ report: 'bounce', auto: true, matched: true }), 'bounce');
    assert.equal(kind({ report: 'complaint' }), 'complaint');
  });
  it('an automatic reply is not a reply, even one saying "remove me"', () => {
    assert.equal(kind({ auto: true, matched: true, unsubscribe: true }), 'auto_reply');
    assert.equal(kind({ report: 'auto-reply' }), 'auto_reply');
  });
  it('an unsubscribe request, matched or not', () => {
    assert.equal(kind({ unsubscribe: true, matched: true }), 'unsubscribe');
    assert.equal(kind({ unsubscribe: true }), 'unsubscribe');
  });
  it('a reply to our mail, or to any mail; else other', () => {
    assert.equal(kind({ matched: true }), 'reply');
    assert.equal(kind({ threaded: true }), 'reply');
    assert.equal(kind({}), 'other');
  });
});
