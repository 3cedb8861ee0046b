// Open and click tracking of a rendered step, as a pure rewrite: http(s) links (bare URLs in text,
// href="..." in HTML) become click URLs, and an HTML part gets a 1x1 open pixel. Never throws.
import type { Campaign } from './definition.js';

export interface TrackedContent {
  text: string;
  html: string | undefined;
}

/** Where a message's open pixel points, and the click URL that stands for a link. */
export interface TrackingUrls {
  open: string;
  click: (url: string) => string;
}

const TEXT_URL = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const HREF = /(\bhref\s*=\s*)(?:"([^"]*)"|'([^']*)')/gi;
const TRAILING = /[.,;:!?*]+$/;

/**
 * The content with tracking applied; unchanged with `none` or both flags off. The unsubscribe link
 * (any URL with /u/) and non-http links (mailto:, tel:) are left alone; text-only mail gets no pixel.
 * @example trackContent({ text: 'see https://a.test/x', html: undefined }, { opens: false, clicks: true, host }, urls)
 */
export function trackContent(content: TrackedContent, tracking: Campaign['tracking'], urls: TrackingUrls): TrackedContent {
  if (tracking === 'none') return content;
  let { text, html } = content;
  if (tracking.clicks) {
    text = rewriteText(text, urls.click);
    if (html !== undefined) html = rewriteHtml(html, urls.click);
  }
  if (tracking.opens && html !== undefined) html = addPixel(html, urls.open);
  return { text, html };
}

/** Whether a link is one tracking rewrites: http(s), and not an unsubscribe link. */
export function isTrackable(url: string): boolean {
  return /^https?:\/\/[^/]/i.test(url) && !url.includes('/u/');
}

function rewriteText(text: string, click: (url: string) => string): string {
  return text.replace(TEXT_URL, (found) => {
    const url = trimUrl(found);
    return isTrackable(url) ? click(url) + found.slice(url.length) : found;
  });
}

/** Prose punctuation after a URL ("see https://a.test/x.") and an unbalanced closing parenthesis. */
function trimUrl(found: string): string {
  let url = found.replace(TRAILING, '');
  while (url.endsWith(')') && count(url, '(') < count(url, ')')) url = url.slice(0, -1).replace(TRAILING, '');
  return url;
}

const count = (s: string, c: string) => s.split(c).length - 1;

function rewriteHtml(html: string, click: (url: string) => string): string {
  return html.replace(HREF, (whole, lead: string, dq: string | undefined, sq: string | undefined) => {
    const url = decodeEntities((dq ?? sq ?? '').trim());
    return isTrackable(url) ? `${lead}"${escapeAttribute(click(url))}"` : whole;
  });
}

/** Appends the pixel just before </body>, else at the end. */
function addPixel(html: string, open: string): string {
  const img = `<img src="${escapeAttribute(open)}" width="1" height="1" alt="" style="display:none">`;
  const at = html.search(/<\/body\s*>/i);
  return at < 0 ? html + img : html.slice(0, at) + img + html.slice(at);
}

const NAMED: Record<string, string> = { amp: '&', quot: '"', apos: "'", lt: '<', gt: '>' };

/** The attribute value as the browser reads it (&amp; in a query string is &). */
export function decodeEntities(value: string): string {
  return value.replace(/&(?:#(\d{1,7})|#x([0-9a-f]{1,6})|([a-z]+));/gi, (whole, dec?: string, hex?: string, name?: string) => {
    if (name !== undefined) return NAMED[name.toLowerCase()] ?? whole;
    const code = dec !== undefined ? Number(dec) : parseInt(hex!, 16);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

const escapeAttribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
