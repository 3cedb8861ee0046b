// Out-of-office and other automatic replies, which must not stop a sequence: RFC 3834 Auto-Submitted
// (anything but "no"), the X-Autoreply family, Precedence, and vacation subjects in common languages.
import { isAutoReply as reportSaysAuto } from '../bounce/report/autoreply.js';
import { decodeWords, field, type Field } from '../bounce/report/fields.js';

// Subjects of out-of-office replies beyond the report parser's: Dutch, Spanish, Italian, Portuguese,
// Swedish, Danish/Norwegian, Polish, Czech, Finnish, Turkish, Japanese, Chinese, Korean, Russian.
// Anchored at the start (after an optional bracket), where mail programs put them: "Re: will you be
// absent on Friday?" is a person answering, "Absent: back on Monday" is not.
const SUBJECT = new RegExp('^\\s*[\\[(]?\\s*(?:' + [
  'automatic reply|auto[- ]?reply|autoreply|out of (the )?office|ooo\\b|away from (the )?office|on vacation|on holiday',
  'automatisch antwoord|afwezig|niet aanwezig',
  'respuesta autom[aá]tica|fuera de la oficina|ausente',
  'risposta automatica|fuori sede|fuori ufficio|assente',
  'resposta autom[aá]tica|aus[eê]ncia|fora do escrit[oó]rio',
  'automatiskt svar|fr[aå]nvaro|autosvar|frav[æa]r',
  'automatyczna odpowied[zź]|poza biurem|nieobecno[sś][cć]',
  'automatick[aá] odpov[eě][dď]|mimo kancel[aá][rř]',
  'automaattinen vastaus|poissa',
  'otomatik yan[ıi]t|ofis d[ıi][sş]',
  'abwesenheitsnotiz|automatische antwort|nicht im b[üu]ro',
  'r[ée]ponse automatique|absence du bureau|absent\\b',
  '自動返信|自動応答|不在', '自动回复|自動回覆', '자동 응답|부재', 'автоответ|автоматический ответ|нет на месте|в отпуске',
].join('|') + ')', 'i');

/** Whether the header fields mark an automatic reply (not a person answering). */
export function isAutoReply(fields: readonly Field[]): boolean {
  const submitted = field(fields, 'auto-submitted').trim().toLowerCase();
  if (submitted !== '' && submitted !== 'no') return true;
  if (fields.some((f) => /^x-(autoreply|autorespond|auto-response|autoresponder|vacation)$/.test(f.name))) return true;
  if (/^(auto[_-]reply|bulk|junk)$/i.test(field(fields, 'precedence').trim())) return true;
  if (/\boof\b/i.test(field(fields, 'x-ms-exchange-generated-message-source'))) return true;
  return reportSaysAuto(fields) || SUBJECT.test(decodeWords(field(fields, 'subject')));
}
