// A campaign step as RFC 5322 bytes (MailComposer): plain text by default, HTML when the step has it;
// threading fields for follow-ups; RFC 8058 one-click unsubscribe (List-Unsubscribe with an https and
// a mailto URI, List-Unsubscribe-Post), which the DKIM signer covers. Throws only on a composer bug.
import MailComposer from 'nodemailer/lib/mail-composer/index.js';

export interface StepMessage {
  from: { name: string; address: string };
  to: string;
  subject: string;
  text: string;
  html?: string | undefined;
  /** Message-ID with angle brackets. */
  messageId: string;
  date: Date;
  /** Message-IDs (without brackets) of the earlier steps, oldest first: the thread this one replies in. */
  thread: readonly string[];
  unsubscribe: { url: string; mailto: string };
}

export function composeStep(m: StepMessage): Promise<Buffer> {
  const headers = [
    { key: 'List-Unsubscribe', value: `<${m.unsubscribe.url}>, <mailto:${m.unsubscribe.mailto}?subject=unsubscribe>` },
    { key: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
  ];
  const threaded = m.thread.length > 0;
  const composer = new MailComposer({
    from: m.from,
    to: m.to,
    subject: m.subject,
    text: m.text,
    ...(m.html !== undefined ? { html: m.html } : {}),
    ...(threaded ? { inReplyTo: `<${m.thread[m.thread.length - 1]}>`, references: m.thread.map((id) => `<${id}>`) } : {}),
    headers,
    messageId: m.messageId,
    date: m.date,
    newline: 'win',
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return composer.compile().build();
}

/** "Re: <subject>" for a reply in the thread, without piling up prefixes. */
export function replySubject(first: string): string {
  return /^re:/i.test(first.trim()) ? first.trim() : `Re: ${first.trim()}`;
}
