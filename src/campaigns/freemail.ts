// Consumer mailbox providers: two contacts at gmail.com are not one company, so a reply from one
// never stops the other (companyReply). A short list of the largest; unknown domains count as companies.

const FREEMAIL = new Set([
  'gmail.com', 'googlemail.com', 'outlook.com', 'hotmail.com', 'live.com', 'msn.com', 'yahoo.com', 'ymail.com',
  'aol.com', 'icloud.com', 'me.com', 'mac.com', 'proton.me', 'protonmail.com', 'pm.me', 'gmx.com', 'gmx.net', 'gmx.de',
  'web.de', 'mail.com', 'mail.ru', 'yandex.ru', 'yandex.com', 'zoho.com', 'fastmail.com', 'tutanota.com', 'orange.fr',
  'free.fr', 'laposte.net', 'libero.it', 'qq.com', '163.com', '126.com', 'naver.com', 'rediffmail.com', 'comcast.net',
  'verizon.net', 'att.net', 't-online.de', 'seznam.cz', 'wp.pl', 'o2.pl', 'interia.pl', 'btinternet.com', 'sky.com',
]);

/** Whether `domain` (an organisational domain) is a consumer mailbox provider. yahoo.co.uk, hotmail.fr ... count too. */
export function isFreemailDomain(domain: string): boolean {
  const d = domain.toLowerCase();
  if (FREEMAIL.has(d)) return true;
  return /^(yahoo|hotmail|outlook|live|gmx|yandex|aol)\.[a-z.]+$/.test(d);
}
