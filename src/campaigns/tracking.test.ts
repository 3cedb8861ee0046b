import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeEntities, trackContent, type TrackingUrls } from './tracking.js';

const host = 'https://track.example.com';
const urls: TrackingUrls = { open: `${host}/t/o/TOKEN.gif`, click: (url) => `${host}/t/c/TOKEN?u=${encodeURIComponent(url)}&s=SIG` };
const click = (url: string) => urls.click(url);
const both = { opens: true, clicks: true, host };
const clicksOnly = { opens: false, clicks: true, host };
const opensOnly = { opens: true, clicks: false, host };
const pixel = `<img src="${host}/t/o/TOKEN.gif" width="1" height="1" alt="" style="display:none">`;

describe('trackContent', () => {
  it('leaves content alone with tracking none or both flags off', () => {
    const content = { text: 'see https://a.test/x', html: '<a href="https://a.test/x">x</a>' };
    assert.deepEqual(trackContent(content, 'none', urls), content);
    assert.deepEqual(trackContent(content, { opens: false, clicks: false, host }, urls), content);
  });

  it('rewrites bare http(s) URLs in text, keeping query strings and prose punctuation', () => {
    const text = 'Docs: https://a.test/docs?x=1&y=2. Also (http://b.test/p) and https://c.test/a_(b).';
    const out = trackContent({ text, html: undefined }, clicksOnly, urls);
    assert.equal(out.text, `Docs: ${click('https://a.test/docs?x=1&y=2')}. Also (${click('http://b.test/p')}) and ${click('https://c.test/a_(b)')}.`);
    assert.equal(out.html, undefined);
  });

  it('rewrites href="..." in HTML, decoding entities first and escaping the new URL', () => {
    const html = `<p><a href="https://a.test/x?a=1&amp;b=2">x</a> <A HREF='http://b.test/'>b</A></p>`;
    const out = trackContent({ text: 'x', html }, clicksOnly, urls);
    const a = click('https://a.test/x?a=1&b=2').replace(/&/g, '&amp;');
    const b = click('http://b.test/').replace(/&/g, '&amp;');
    assert.equal(out.html, `<p><a href="${a}">x</a> <A HREF="${b}">b</A></p>`);
  });

  it('leaves mailto:, tel:, relative links and the unsubscribe link untouched', () => {
    const html = '<a href="mailto:sam@a.test?subject=hi">m</a><a href="tel:+331">t</a><a href="/local">l</a><a href="https://mail.a.test/u/01abc-0123">u</a>';
    const text = 'Write to mailto:sam@a.test or unsubscribe: https://mail.a.test/u/01abc-0123';
    assert.deepEqual(trackContent({ text, html }, clicksOnly, urls), { text, html });
  });

  it('puts the pixel before </body>, else at the end, and only with opens on', () => {
    assert.equal(trackContent({ text: 't', html: '<html><body><p>Hi</p></body></html>' }, opensOnly, urls).html, `<html><body><p>Hi</p>${pixel}</body></html>`);
    assert.equal(trackContent({ text: 't', html: '<p>Hi</p>' }, opensOnly, urls).html, `<p>Hi</p>${pixel}`);
    assert.equal(trackContent({ text: 't', html: '<p>Hi</p>' }, clicksOnly, urls).html, '<p>Hi</p>');
  });

  it('gives a text-only message no pixel', () => {
    const out = trackContent({ text: 'Hi https://a.test', html: undefined }, opensOnly, urls);
    assert.deepEqual(out, { text: 'Hi https://a.test', html: undefined });
  });

  it('does both: links rewritten and one pixel', () => {
    const out = trackContent({ text: 'https://a.test', html: '<a href="https://a.test">a</a>' }, both, urls);
    assert.equal(out.text, click('https://a.test'));
    assert.equal(out.html, `<a href="${click('https://a.test').replace(/&/g, '&amp;')}">a</a>${pixel}`);
  });
});

describe('decodeEntities', () => {
  it('decodes named and numeric references, keeps unknown ones', () => {
    assert.equal(decodeEntities('a&amp;b&#38;c&#x26;d&quot;&nbsp;&#0;'), 'a&b&c&d"&nbsp;&#0;');
  });
});
