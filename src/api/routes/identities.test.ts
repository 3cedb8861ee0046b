// buildIdentity's errors (in CLI flags) as API errors: the path names the body field to fix and the
// message speaks of fields, for every kind of message buildIdentity and IdentityStore throw.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildIdentity, type IdentityInput } from '../../identities/create.js';
import { StoreError } from '../../store/errors.js';
import { createError } from './identities.js';

function errorOf(input: IdentityInput) {
  try {
    buildIdentity(input);
  } catch (err) {
    assert.ok(err instanceof StoreError);
    return createError(err);
  }
  assert.fail(`no error for ${JSON.stringify(input)}`);
}

const base = { name: 'x', from: 'x@example.test' };

test('each cross-field error names the field to fix, in field names', () => {
  const cases: Array<[IdentityInput, string, RegExp]> = [
    [{ ...base, via: 'relay' }, 'body.relayHost', /^body\.relayHost: via relay needs relayHost \(or preset gmail\|m365\)$/],
    [{ ...base, via: 'relay', preset: 'esp' }, 'body.relayHost', /preset esp needs relayHost/],
    [{ ...base, via: 'mta', relayHost: 'smtp.example.test' }, 'body.via', /relay\* flags are for via relay/],
    [{ ...base, via: 'mta', preset: 'gmail' }, 'body.preset', /preset gmail is for via relay/],
    [{ ...base, via: 'relay', relayHost: 'h.example.test', source: '192.0.2.1' }, 'body.source', /source is for via mta/],
    [{ ...base, from: 'example.test', via: 'relay', relayHost: 'h.example.test', relayPassword: 'p' }, 'body.relayUser', /relayUser is needed/],
    [{ ...base, from: 'nope', via: 'mta' }, 'body.from', /from "nope"/],
    [{ ...base, via: 'mta', timeZone: 'Mars/Base' }, 'body.timeZone', /timeZone "Mars\/Base"/],
    [{ ...base, via: 'mta', minGapSeconds: -1 }, 'body.minGapSeconds', /minGapSeconds must be/],
  ];
  for (const [input, path, message] of cases) {
    const err = errorOf(input);
    assert.equal(err.status, 400);
    assert.equal(err.path, path, err.message);
    assert.match(err.message, message);
    assert.doesNotMatch(err.message, /--/);
  }
});

test('the store\'s name error names body.name', () => {
  const err = createError(new StoreError('invalid', 'identity name "a b": letters, digits, . _ - only (64 at most)'));
  assert.equal(err.path, 'body.name');
});
