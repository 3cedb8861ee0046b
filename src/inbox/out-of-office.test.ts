// returnDate: the return an out-of-office reply states, in seven languages; a date without a year is the
// next one after the message; past dates and dates more than 90 days ahead are not taken.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { returnDate } from './out-of-office.js';

/** Received Monday 7 December 2026, 10:00 UTC. */
const RECEIVED = Date.UTC(2026, 11, 7, 10);
const day = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d);
const back = (text: string, at = RECEIVED) => {
  const r = returnDate(text, at);
  return r === null ? null : new Date(r).toISOString().slice(0, 10);
};

describe('returnDate', () => {
  const cases: Array<[string, string | null]> = [
    // English
    ['I am out of the office and will be back on Monday 14 December.', '2026-12-14'],
    ['Thank you for your email. I am away until 12/14/2026 with limited access to email.', '2026-12-15'],
    ['Out of office, returning 14 Dec.', '2026-12-14'],
    ["I'm on leave and will return on December 14th, 2026.", '2026-12-14'],
    ['I will be back in the office on Wednesday, 16th of December.', '2026-12-16'],
    ['Back on 2026-12-21.', '2026-12-21'],
    ['I am travelling till Dec 18 and will reply then.', '2026-12-19'],
    ['Out of office. Back on Monday.', '2026-12-14'],
    ['I am out of the office through January 4.', '2027-01-05'],
    // German
    ['Ich bin bis zum 14.12.2026 nicht im Büro.', '2026-12-15'],
    ['Vielen Dank für Ihre Nachricht. Ab dem 15. Dezember bin ich wieder für Sie da.', '2026-12-15'],
    ['Ich bin vom 1.12. bis 18.12. im Urlaub.', '2026-12-19'],
    ['Ich bin am Montag, 21. Dezember 2026 wieder zurück. Zurück am 21.12.', '2026-12-21'],
    // French
    ['Je suis absent et serai de retour le 14 décembre.', '2026-12-14'],
    ["Je suis en congés jusqu'au 18 décembre inclus.", '2026-12-19'],
    ['Absent du bureau, retour prévu le lundi 4 janvier 2027.', '2027-01-04'],
    // Spanish
    ['Estoy fuera de la oficina hasta el 14 de diciembre.', '2026-12-15'],
    ['Estaré de vuelta el 21 de diciembre de 2026.', '2026-12-21'],
    // Portuguese
    ['Estou ausente até 14/12, com acesso limitado ao e-mail.', '2026-12-15'],
    ['Retorno em 4 de janeiro.', '2027-01-04'],
    // Dutch
    ['Ik ben afwezig tot en met 14 december.', '2026-12-15'],
    ['Ik ben weer aanwezig op maandag 21 december.', '2026-12-21'],
    // Italian
    ['Sono fuori ufficio fino al 14 dicembre.', '2026-12-15'],
    ["Rientro in ufficio il 4 gennaio 2027.", '2027-01-04'],
    // None stated, or not to be believed
    ['I am out of the office with limited access to email.', null],
    ['I am away until further notice.', null],
    ['I was away until 1 December 2026.', null],
    ['I am on sabbatical until 1 June 2027.', null],
    ['Back on 31 June.', null],
    ['', null],
  ];
  for (const [text, expected] of cases) {
    it(`${JSON.stringify(text.slice(0, 60))} → ${expected}`, () => assert.equal(back(text), expected));
  }

  it('reads a date without a year as the next such date after the message', () => {
    assert.equal(back('back on 5 January', RECEIVED), '2027-01-05');
    assert.equal(back('back on 5 January', day(2027, 1, 2)), '2027-01-05');
  });

  it('reads an ambiguous slashed date as the language writes it', () => {
    assert.equal(back('away until 01/02', day(2026, 12, 20)), '2027-01-03', 'English: month first');
    assert.equal(back('ausente até 01/02', day(2026, 12, 20)), '2027-02-02', 'Portuguese: day first');
  });

  it('prefers a stated return to an "until", then the first stated date', () => {
    assert.equal(back('Back on 14 December. For urgent matters until 18 December contact Bob.'), '2026-12-14');
    assert.equal(back('Away until 18 December; back in the office on 21 December.'), '2026-12-21');
    assert.equal(back('Away until 18 December. Bob stands in until 16 December.'), '2026-12-19');
  });

  it('reads only the first 20,000 characters of a long text', () => {
    assert.equal(back('until '.repeat(5_000) + 'back on 14 December'), null);
  });
});
