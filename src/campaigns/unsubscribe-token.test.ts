// Unsubscribe tokens: minted and verified per queue id with a MAC; anything altered, or another
// key, verifies to null; the token travels lower case in unsub+TOKEN@ addresses.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QueueIdGenerator } from '../queue/queue-id.js';
import { tokenOfAddress, unsubscribeLocal, UnsubscribeTokens } from './unsubscribe-token.js';

const tokens = new UnsubscribeTokens(Buffer.alloc(32, 7));
const id = new QueueIdGenerator().next(Date.UTC(2026, 0, 5));

/** `text` with the character at `i` replaced by another of the same alphabet. */
const flip = (text: string, i: number, alphabet: string) => text.slice(0, i) + alphabet.replace(text[i]!, '')[0] + text.slice(i + 1);

describe('UnsubscribeTokens', () => {
  it('verifies the token it minted to the queue id, in any case', () => {
    const token = tokens.mint(id);
    assert.match(token, /^[0-9a-z]{26}-[0-9a-f]{16}$/);
    assert.equal(tokens.verify(token), id);
    assert.equal(tokens.verify(token.toUpperCase()), id);
    assert.equal(tokens.mint(id.toLowerCase()), token);
  });

  it('refuses a changed MAC, a changed id, another key and malformed tokens', () => {
    const token = tokens.mint(id);
    const [qid, mac] = token.split('-') as [string, string];
    assert.equal(tokens.verify(`${qid}-${flip(mac, 15, '0123456789abcdef')}`), null);
    assert.equal(tokens.verify(`${flip(qid, 25, '0123456789abcdefghjkmnpqrstvwxyz')}-${mac}`), null);
    assert.equal(new UnsubscribeTokens(Buffer.alloc(32, 8)).verify(token), null);
    for (const bad of ['', qid, `${qid}-`, `${qid}-${mac}0`, `${qid}x-${mac}`, `${'9'.repeat(26)}-${mac}`]) assert.equal(tokens.verify(bad), null, bad);
  });
});

describe('tokenOfAddress', () => {
  it('finds the token in unsub+TOKEN@, lower-cased; null for other addresses', () => {
    const token = tokens.mint(id);
    assert.equal(tokenOfAddress(`${unsubscribeLocal(token)}@petrel.test`), token);
    assert.equal(tokenOfAddress(`UNSUB+${token.toUpperCase()}@PETREL.TEST`), token);
    assert.equal(tokenOfAddress(`unsub+${token}`), null);
    assert.equal(tokenOfAddress(`sales@petrel.test`), null);
    assert.equal(tokenOfAddress(`x.unsub+${token}@petrel.test`), null);
  });
});
