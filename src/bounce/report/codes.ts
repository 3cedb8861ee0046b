// Finds SMTP reply codes, enhanced status codes and the SMTP command in free text from bounces.
// Pure; all patterns are anchored or bounded so long lines cost linear time.

const STATUS = /(?<![\w.])([245])\.(\d{1,3})\.(\d{1,3})(?![\w.]|\.\d)/;
// Reply codes that servers send (RFC 5321 §4.2): the 2xx ones a report quotes, 4xx and 5xx failures.
const REPLY = /(?<![\w.\-/#=+])(2(?:11|14|20|21|5[0-2])|4[2-5]\d|5[0-5]\d)(?![\w.:/@%]|-\d)/;

/** The first enhanced status code (RFC 3463) in the text, or ''. */
export function findStatus(text: string): string {
  const m = STATUS.exec(text);
  return m === null ? '' : `${m[1]}.${Number(m[2])}.${Number(m[3])}`;
}

/** The last enhanced status code in the text, or '': in a nested reply the innermost one is the cause. */
export function lastStatus(text: string): string {
  const all = [...text.slice(0, 4000).matchAll(new RegExp(STATUS.source, 'g'))];
  const m = all[all.length - 1];
  return m === undefined ? '' : `${m[1]}.${Number(m[2])}.${Number(m[3])}`;
}

/** The last plausible SMTP reply code in the text, or ''. */
export function lastReplyCode(text: string): string {
  const all = [...text.slice(0, 4000).matchAll(new RegExp(REPLY.source, 'g'))];
  return all[all.length - 1]?.[1] ?? '';
}

/** The first plausible SMTP reply code in the text, or ''. */
export function findReplyCode(text: string): string {
  return REPLY.exec(text)?.[1] ?? '';
}

const VERB = '(RCPT|MAIL|DATA|HELO|EHLO|STARTTLS|AUTH|CONNECT)';
const COMMAND = new RegExp(String.raw`\b(?:after|in reply to|response to|SMTP command:?)\s*(?:the\s+)?(?:end of\s+)?${VERB}\b|>>>\s*${VERB}\b|\b${VERB}\s+(?:TO|FROM)\s*:|\bend of (data|message)\b`, 'gi');

/** The SMTP command a reply answered, when the text says so; in a transcript, the last one sent. */
export function findCommand(text: string): string {
  let last = '';
  for (const m of text.slice(0, 8000).matchAll(COMMAND)) last = (m[1] ?? m[2] ?? m[3] ?? 'DATA').toUpperCase();
  return last === 'MESSAGE' ? 'DATA' : last;
}

/** Whether a status is only a class with no detail (x.0.0), so a more specific one should win. */
export function isGeneric(status: string): boolean {
  return status === '' || /^[245]\.0\.0$/.test(status);
}
