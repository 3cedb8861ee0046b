// newText and friends: the new words of a reply without quoted history or signature, in the forms
// Gmail, Outlook, Apple Mail and Thunderbird write in several languages; HTML-only mail as text.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { capBytes, htmlToText, newText, snippetOf } from './text.js';

describe('newText', () => {
  const cases: Array<[string, string, string]> = [
    ['Gmail, English', 'Sounds good, call me Tuesday.\n\nOn Mon, Dec 7, 2026 at 10:00 AM Ann <ann@acme.test> wrote:\n> Hi Bob,\n> would you like a demo?', 'Sounds good, call me Tuesday.'],
    ['Gmail, attribution folded over two lines', 'Yes please.\n\nOn Mon, Dec 7, 2026 at 10:00 AM Ann Example <ann@acme.test>\nwrote:\n> Hi', 'Yes please.'],
    ['German', 'Gerne, rufen Sie mich an.\n\nAm 07.12.2026 um 10:00 schrieb Ann <ann@acme.test>:\n> Hallo', 'Gerne, rufen Sie mich an.'],
    ['French', 'Volontiers.\n\nLe lun. 7 déc. 2026 à 10:00, Ann <ann@acme.test> a écrit :\n> Bonjour', 'Volontiers.'],
    ['Spanish', 'Claro que sí.\n\nEl lun, 7 dic 2026 a las 10:00, Ann (<ann@acme.test>) escribió:\n> Hola', 'Claro que sí.'],
    ['Outlook, English', 'Not now, thanks.\n\nFrom: Ann <ann@acme.test>\nSent: Monday, December 7, 2026 10:00 AM\nTo: Bob <bob@x.test>\nSubject: Demo?\n\nHi Bob', 'Not now, thanks.'],
    ['Outlook, German', 'Bitte später.\n\nVon: Ann <ann@acme.test>\nGesendet: Montag, 7. Dezember 2026 10:00\nAn: Bob\nBetreff: Demo?\n\nHallo', 'Bitte später.'],
    ['Outlook, separator line', 'Call me.\n________________________________\nFrom: Ann\nSent: today', 'Call me.'],
    ['Original Message block', 'OK.\n\n-----Original Message-----\nFrom: Ann', 'OK.'],
    ['interleaved quotes keep the answers', '> Would Tuesday work?\nYes, Tuesday.\n> And 10am?\nBetter 11.', 'Yes, Tuesday.\nBetter 11.'],
    ['signature', 'Thanks!\n-- \nBob Example\nCEO, X Corp', 'Thanks!'],
    ['a sentence beginning "From:" alone is kept', 'From: my side, all fine.\nSee you.', 'From: my side, all fine.\nSee you.'],
    ['CRLF line ends', 'Sure.\r\n\r\nOn Mon, Ann wrote:\r\n> Hi', 'Sure.'],
  ];
  for (const [name, text, expected] of cases) it(name, () => assert.equal(newText(text), expected));
});

describe('snippetOf', () => {
  it('is one line of at most 200 characters', () => {
    assert.equal(snippetOf('  a\n\nb  c '), 'a b c');
    const long = snippetOf('word '.repeat(100));
    assert.equal(long.length, 200);
    assert.ok(long.endsWith('…'));
  });
});

describe('htmlToText', () => {
  it('drops tags, styles and scripts, keeps line breaks and decodes entities', () => {
    const html = '<html><head><style>p{color:red}</style></head><body><p>Yes &amp; thanks!</p><div>Bob</div><script>x()</script></body></html>';
    assert.equal(htmlToText(html), 'Yes & thanks!\nBob');
  });

  it('marks a blockquote, so the quoted history is dropped from the new text', () => {
    const html = '<div>Sure.</div><div class="gmail_quote"><blockquote>Hi Bob, a demo?</blockquote></div>';
    assert.equal(newText(htmlToText(html)), 'Sure.');
  });
});

describe('capBytes', () => {
  it('cuts at a character boundary', () => {
    assert.equal(capBytes('abc', 10), 'abc');
    assert.equal(capBytes('aé', 2), 'a');
    assert.equal(Buffer.byteLength(capBytes('é'.repeat(40_000), 65_536)), 65_536);
  });
});
