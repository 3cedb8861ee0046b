// The pure parts of reply matching: Message-IDs named by threading fields, and the thread a subject
// belongs to once the reply and forward prefixes of common mail programs are dropped.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { headerIds, stripPrefixes, threadSubject } from './reply-match.js';

describe('reply matching', () => {
  it('reads the Message-IDs of In-Reply-To and References', () => {
    assert.deepEqual(headerIds('<a@x.test> <b@y.test>\r\n <c@z.test>'), ['a@x.test', 'b@y.test', 'c@z.test']);
    assert.deepEqual(headerIds('no brackets@x.test'), []);
  });

  it('drops reply and forward prefixes in several languages, repeated and numbered', () => {
    for (const s of ['Re: Hello', 'RE: Hello', 'AW: Hello', 'SV: Hello', 'Antw: Hello', 'Fwd: Hello', 'FW: Hello', 'WG: Hello', 'TR: Hello', 'R: Hello', 'Rif: Hello', 'Re[2]: Hello', 'Re: AW: Fwd: Hello']) {
      assert.equal(stripPrefixes(s), 'Hello', s);
    }
    assert.equal(stripPrefixes('Regarding: Hello'), 'Regarding: Hello');
    assert.equal(stripPrefixes('Hello: world'), 'Hello: world');
  });

  it('compares threads without case and spacing', () => {
    assert.equal(threadSubject('RE:  Hello   ACME'), threadSubject('Hello acme'));
  });
});
