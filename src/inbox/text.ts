// The new text of a reply: everything before the quoted history ("On … wrote:", "Am … schrieb:",
// Outlook's "From: … Sent:" block, "> " lines) and the signature ("-- "). Pure; linear in the input.

const SNIPPET_CHARS = 200;

// A line that opens the quoted message, in the languages mail programs write it in.
const ATTRIBUTION = /^(?:on|am|le|el|em|op|il|den|w dniu)\b.{0,300}?(?:wrote|schrieb|a [ée]crit|escribi[óo]|escreveu|schreef|ha scritto|skrev|napisa[łl])(?:\s*:?|\s.{0,200}:)\s*$/i;
const SEPARATOR = /^\s*(?:-{2,}\s*(?:original message|urspr[üu]ngliche nachricht|message d'origine|mensaje original|mensagem original|oorspronkelijk bericht|messaggio originale|forwarded message|weitergeleitete nachricht)\s*-{2,}|_{10,})\s*$/i;
const OUTLOOK_FROM = /^\s*\*?(?:from|von|de|van|da)\s?\*?:/i;
const OUTLOOK_NEXT = /^\s*\*?(?:sent|date|gesendet|datum|envoy[ée]|date|enviado(?: el)?|verzonden|inviato|data|to|an|[àa]|para|aan|a|subject|betreff|objet|asunto|assunto|onderwerp|oggetto)\s?\*?:/i;

/** The new text: the lines before the first quote marker or signature, trimmed. */
export function newText(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (endsNewText(line, lines[i + 1] ?? '', lines[i + 2] ?? '')) break;
    if (/^\s*>/.test(line)) continue;
    kept.push(line);
  }
  return kept.join('\n').replace(/\n{3,}/g, '\n\n').trim();
}

function endsNewText(line: string, next: string, after: string): boolean {
  if (line === '-- ' || line === '--') return true;
  if (SEPARATOR.test(line) || ATTRIBUTION.test(line)) return true;
  // An attribution folded over two lines: "On Mon, 7 Dec 2026 at 10:00, Ann <ann@acme.test>" / "wrote:".
  if (/^(?:on|am|le|el|em|op|il)\b/i.test(line) && line.length < 300 && ATTRIBUTION.test(`${line} ${next.trim()}`)) return true;
  return OUTLOOK_FROM.test(line) && (OUTLOOK_NEXT.test(next) || OUTLOOK_NEXT.test(after));
}

/** At most 200 characters of the new text on one line. */
export function snippetOf(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= SNIPPET_CHARS ? flat : `${flat.slice(0, SNIPPET_CHARS - 1)}…`;
}

/** Tags dropped, block ends as line breaks, common entities decoded; every pattern stops at the next '<'. */
export function htmlToText(html: string): string {
  return html.slice(0, 512 * 1024)
    .replace(/<(script|style|head)\b[^<]{0,100000}<\/\1>/gi, ' ')
    .replace(/<blockquote\b[^<>]{0,1000}>/gi, '\n> ')
    .replace(/<(br|p|div|tr|li|h\d)\b[^<>]{0,1000}>/gi, '\n')
    .replace(/<[^<>]{0,1000}>/g, '')
    .replace(/&nbsp;/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&')
    .replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
}

/** At most `bytes` of UTF-8, cut at a character boundary. */
export function capBytes(text: string, bytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= bytes) return text;
  return buf.subarray(0, bytes).toString('utf8').replace(/\uFFFD+$/, '');
}
