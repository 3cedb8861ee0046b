// The return date an out-of-office reply states ("back on 14 December", "bis zum 14.12.2026", "de retour
// le 14 décembre", …), in EN/DE/FR/ES/PT/NL/IT. Pure; null when none is stated, past, or too far ahead.
import { MONTH_NAMES, WEEKDAY_NAMES } from './calendar-words.js';

const DAY = 86_400_000;
/** A stated return further ahead than this is more likely a misread (or a sabbatical): use the default. */
const MAX_AHEAD_DAYS = 90;
/** How far after its cue a date may start ("back in the office on Monday, 14 December"). */
const WINDOW = 48;

/** `until`: away through the date (back the day after); `back`: back on the date. */
type CueKind = 'until' | 'back';
interface Cue { re: string; kind: CueKind; lang: 'en' | 'other' }

// Written without accents: the text is folded (é → e) before matching.
const CUES: Cue[] = [
  { re: "until|till|til|through|thru|to", kind: 'until', lang: 'en' },
  { re: "back on|back in (?:the )?office on|back|return(?:ing)? on|returning|return|again on|available from", kind: 'back', lang: 'en' },
  { re: "bis (?:zum|einschliesslich|inkl\\.?)|bis", kind: 'until', lang: 'other' },
  { re: "ab (?:dem )?|zuruck am|zuruck ab|zuruck|wieder (?:im buro )?(?:am|ab)", kind: 'back', lang: 'other' },
  { re: "jusqu'?(?:au|a)|jusqu au", kind: 'until', lang: 'other' },
  { re: "de retour (?:le|au bureau le)?|retour (?:prevu )?le|a partir du|a compter du", kind: 'back', lang: 'other' },
  { re: "hasta (?:el )?", kind: 'until', lang: 'other' },
  { re: "de vuelta (?:el)?|regreso el|regresare el|vuelvo el|a partir del", kind: 'back', lang: 'other' },
  { re: "ate (?:o )?(?:dia )?", kind: 'until', lang: 'other' },
  { re: "retorno (?:em|no dia|a)|volto (?:em|no dia|a)|regresso (?:em|a|no dia)|de volta (?:em|a)|a partir de", kind: 'back', lang: 'other' },
  { re: "tot en met|t/m|tot", kind: 'until', lang: 'other' },
  { re: "terug op|weer aanwezig (?:op|vanaf)|vanaf|weer op kantoor (?:op|vanaf)", kind: 'back', lang: 'other' },
  { re: "fino (?:al|a|il)", kind: 'until', lang: 'other' },
  { re: "rientro (?:il|in ufficio il)|rientrero il|di ritorno (?:il|dal)|torno il|a partire da(?:l)?", kind: 'back', lang: 'other' },
];
const CUE_RES = CUES.map((c) => ({ ...c, regex: new RegExp(`(?<![a-z])(?:${c.re})(?![a-z])`, 'g') }));

/** Folded for matching: accents dropped, lower case, one space between words. */
export function fold(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/\s+/g, ' ');
}

/**
 * The stated return (UTC midnight of the day the sender is back), or null. A date without a year is
 * the next such date on or after the day it was received; a weekday alone is the next such weekday.
 */
export function returnDate(text: string, receivedAt: number): number | null {
  const folded = fold(text.slice(0, 20_000));
  const today = Math.floor(receivedAt / DAY) * DAY;
  const found: Array<{ at: number; index: number; kind: CueKind }> = [];
  for (const cue of CUE_RES) {
    for (const m of folded.matchAll(cue.regex)) {
      const start = m.index + m[0].length;
      const day = dateAt(folded.slice(start, start + WINDOW + 40), today, cue.lang);
      if (day === null) continue;
      const back = cue.kind === 'until' ? day + DAY : day;
      if (back > today && back <= today + MAX_AHEAD_DAYS * DAY) found.push({ at: back, index: m.index, kind: cue.kind });
    }
  }
  // A stated return beats an "until" (the sender knows the day they are back); then the first in the text.
  const rank = (f: { index: number; kind: CueKind }) => (f.kind === 'back' ? 0 : 1e9) + f.index;
  return found.sort((a, b) => rank(a) - rank(b))[0]?.at ?? null;
}

type Parser = (m: RegExpExecArray, today: number, lang: Cue['lang']) => number | null;

const DATE_FORMS: Array<{ re: RegExp; parse: Parser }> = [
  { re: /(\d{4})-(\d{1,2})-(\d{1,2})/, parse: (m) => ymd(+m[1]!, +m[2]!, +m[3]!) },
  { re: /(\d{1,2})\.\s?(\d{1,2})\.(?:\s?(\d{4}|\d{2})(?!\d))?/, parse: (m, t) => withYear(t, +m[2]!, +m[1]!, m[3]) },
  { re: /(\d{1,2})[/-](\d{1,2})(?:[/-](\d{4}|\d{2})(?!\d))?/, parse: slashed },
  { re: /(\d{1,2})(?:st|nd|rd|th|er|e|o|º|°)?\.?\s(?:of\s|de\s)?([a-z]{3,10})(?![a-z])\.?(?:,?\s(?:de\s)?(\d{4}))?/, parse: (m, t) => named(t, m[2]!, +m[1]!, m[3]) },
  { re: /(?<![a-z])([a-z]{3,10})\.?\s(\d{1,2})(?:st|nd|rd|th)?(?!\d)(?:,?\s(\d{4}))?/, parse: (m, t) => named(t, m[1]!, +m[2]!, m[3]) },
];

/** The first date starting within WINDOW characters of `after`. */
function dateAt(after: string, today: number, lang: Cue['lang']): number | null {
  let best: { index: number; at: number } | null = null;
  for (const form of DATE_FORMS) {
    const re = new RegExp(form.re.source, 'g');
    for (let m = re.exec(after); m !== null && m.index <= WINDOW; m = re.exec(after)) {
      const at = form.parse(m, today, lang);
      if (at !== null && (best === null || m.index < best.index)) best = { index: m.index, at };
      if (at !== null) break;
    }
  }
  return best?.at ?? weekday(after, today);
}

/** "back on Monday": the next such weekday after the day received, when no date follows it. */
function weekday(after: string, today: number): number | null {
  const m = /^\s?(?:on |le |am |el |o |op |il |a )?([a-z]+)/.exec(after);
  const wanted = m ? WEEKDAY_NAMES.get(m[1]!) : undefined;
  if (wanted === undefined) return null;
  const now = new Date(today).getUTCDay();
  return today + (((wanted - now + 6) % 7) + 1) * DAY;
}

function slashed(m: RegExpExecArray, today: number, lang: Cue['lang']): number | null {
  const a = +m[1]!, b = +m[2]!;
  // 12/14 is month/day, 14/12 day/month; an ambiguous 05/06 reads as the language writes it.
  const monthFirst = b > 12 || (a <= 12 && lang === 'en');
  return monthFirst ? withYear(today, a, b, m[3]) : withYear(today, b, a, m[3]);
}

function named(today: number, word: string, day: number, year: string | undefined): number | null {
  const month = monthOf(word);
  return month === null ? null : withYear(today, month, day, year);
}

/** A month from its name or a 3+ letter beginning of one (dez, sept, mrt is listed as a name). */
function monthOf(word: string): number | null {
  const exact = MONTH_NAMES.get(word);
  if (exact !== undefined) return exact;
  const months = new Set([...MONTH_NAMES].filter(([name]) => name.startsWith(word)).map(([, n]) => n));
  return months.size === 1 ? [...months][0]! : null;
}

/** With a year as written (2 digits: 20xx), else the next such date on or after today. */
function withYear(today: number, month: number, day: number, year: string | undefined): number | null {
  if (year !== undefined) return ymd(year.length === 2 ? 2000 + +year : +year, month, day);
  const thisYear = new Date(today).getUTCFullYear();
  const first = ymd(thisYear, month, day);
  return first !== null && first >= today ? first : ymd(thisYear + 1, month, day);
}

/** UTC midnight of a real calendar date, else null (31 June, month 13). */
function ymd(year: number, month: number, day: number): number | null {
  const at = Date.UTC(year, month - 1, day);
  const d = new Date(at);
  return d.getUTCMonth() === month - 1 && d.getUTCDate() === day ? at : null;
}
