// Picks the human-readable notification out of a parsed report: the plain-text parts outside the
// returned message, else its HTML with the tags dropped. Pure; bounded by the walker's limits.

import type { Part } from './mime.js';

/** Every part outside the returned message: the walk does not descend into message/* parts. */
export function outerParts(part: Part): Part[] {
  if (part.type.startsWith('message/') || part.type === 'text/rfc822-headers') return [part];
  return [part, ...part.children.flatMap(outerParts)];
}

/** The human-readable notification: the plain-text parts, else HTML with the tags dropped. */
export function notificationText(top: Part, parts: readonly Part[]): string {
  const leaves = parts.filter((p) => p.children.length === 0 || p === top);
  const plain = leaves.filter((p) => p.type === 'text/plain' && p.text.trim() !== '');
  if (plain.length > 0) return plain.map((p) => p.text).join('\n');
  const html = leaves.find((p) => p.type === 'text/html');
  if (html !== undefined) return htmlToText(html.text);
  return top.children.length === 0 ? top.text : '';
}

/** Tags dropped, block ends as line breaks; every pattern stops at the next '<', so it stays linear. */
function htmlToText(html: string): string {
  return html.slice(0, 256 * 1024)
    .replace(/<(script|style)\b[^<]{0,100000}<\/\1>/gi, ' ')
    .replace(/<(br|p|div|tr|li|h\d)\b[^<>]{0,1000}>/gi, '\n')
    .replace(/<[^<>]{0,1000}>/g, '')
    .replace(/&nbsp;/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
}

