import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QueueIdGenerator } from '../queue/queue-id.js';
import { TrackingLinks } from './tracking-links.js';
import { UnsubscribeTokens } from './unsubscribe-token.js';

const tokens = new UnsubscribeTokens(Buffer.alloc(32, 7));
const links = new TrackingLinks(tokens);
const id = new QueueIdGenerator().next();
const host = 'https://track.example.com/';
const target = 'https://a.test/pricing?plan=pro&ref=mail#top';

/** token, u and s of a click URL. */
function partsOf(url: string): { token: string; u: string; s: string } {
  const parsed = new URL(url);
  return { token: parsed.pathname.split('/').pop()!, u: parsed.searchParams.get('u')!, s: parsed.searchParams.get('s')! };
}

describe('TrackingLinks', () => {
  it('makes open and click URLs under the host', () => {
    const urls = links.urls(host, id);
    assert.match(urls.open, /^https:\/\/track\.example\.com\/t\/o\/[0-9a-z]{26}-[0-9a-f]{16}\.gif$/);
    assert.match(urls.click(target), /^https:\/\/track\.example\.com\/t\/c\/[0-9a-z]{26}-[0-9a-f]{16}\?u=[^&]+&s=[0-9a-f]{16}$/);
    assert.equal(partsOf(urls.click(target)).u, target, 'the target survives the query string intact');
  });

  it('verifies its own open and click URLs to the queue id', () => {
    const urls = links.urls(host, id);
    assert.equal(links.verifyOpen(new URL(urls.open).pathname.split('/').pop()!), id);
    const { token, u, s } = partsOf(urls.click(target));
    assert.equal(links.verifyClick(token, u, s), id);
  });

  it('refuses another target, a tampered sig or token, and another key', () => {
    const { token, u, s } = partsOf(links.urls(host, id).click(target));
    assert.equal(links.verifyClick(token, 'https://evil.test/', s), null);
    assert.equal(links.verifyClick(token, `${u}x`, s), null);
    assert.equal(links.verifyClick(token, u, s.replace(/.$/, (c) => (c === '0' ? '1' : '0'))), null);
    assert.equal(links.verifyClick(token.replace(/.$/, (c) => (c === '0' ? '1' : '0')), u, s), null);
    const other = new TrackingLinks(new UnsubscribeTokens(Buffer.alloc(32, 8)));
    assert.equal(other.verifyClick(token, u, s), null);
    assert.equal(other.verifyOpen(`${token}.gif`), null);
  });

  it('a click sig of one message does not open a redirect from another', () => {
    const second = new QueueIdGenerator().next();
    const { s } = partsOf(links.urls(host, id).click(target));
    assert.equal(links.verifyClick(links.token(second), target, s), null);
  });

  it('a tracking token is not an unsubscribe token, and neither verifies as the other', () => {
    const token = links.token(id);
    assert.notEqual(token, tokens.mint(id));
    assert.equal(tokens.verify(token), null);
    assert.equal(links.verifyOpen(`${tokens.mint(id)}.gif`), null);
  });

  it('never throws on junk', () => {
    for (const junk of ['', '.gif', 'x'.repeat(5000), '../../etc/passwd', '%00', `${'Z'.repeat(26)}-${'f'.repeat(16)}`]) {
      assert.equal(links.verifyOpen(junk), null);
      assert.equal(links.verifyClick(junk, 'https://a.test/', 'f'.repeat(16)), null);
    }
    assert.equal(links.verifyClick(links.token(id), 'javascript:alert(1)', links.sig(id, 'javascript:alert(1)')), null);
  });
});
