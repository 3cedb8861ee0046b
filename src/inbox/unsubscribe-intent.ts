// Whether a reply asks to be taken off the list ("unsubscribe", "remove me", "bitte austragen", "me
// désinscrire", …). Judged on the new text only (not quoted history); "not interested" alone is not one.
import { stripPrefixes } from '../campaigns/reply-match.js';
import { fold } from './out-of-office.js';

// Folded (lower case, no accents). Each phrase is a request, not a topic: "how do I unsubscribe?" is rare
// in a reply to a cold mail, and the operator confirms every suggestion anyway.
const PHRASES = [
  // English
  'unsubscribe', 'unsub\\b', 'remove me', 'remove my (?:e-?mail|address|name)', 'take me off', 'opt me out', 'opt out', 'please remove',
  'stop (?:e-?)?mailing me', 'stop sending me', 'stop contacting me', "(?:do not|don't|dont) (?:e-?mail|contact|write to) me",
  'no more (?:e-?)?mails', 'off (?:of )?your (?:mailing )?list',
  // German
  'abmelden', 'austragen', 'entfernen sie mich', 'bitte entfernen', 'keine (?:weiteren )?(?:e-?mails?|nachrichten) mehr', 'nicht mehr (?:anschreiben|kontaktieren|schreiben)', 'abbestellen',
  // French
  'desabonn', 'desinscri', 'retirez[- ]moi', 'supprimez[- ]moi', 'ne plus recevoir', "arretez de m'?envoyer", 'ne me contactez plus',
  // Spanish
  'dar(?:me)? de baja', 'darse de baja', 'eliminarme', 'quitarme de', 'no me (?:envien|escriban|contacten) mas', 'dejen de (?:enviar|escribir)',
  // Portuguese
  'descadastr', 'cancelar (?:a )?inscricao', 'remova[- ]me', 'me remova', 'parem de (?:enviar|me enviar)', 'nao quero (?:mais )?receber', 'remover meu',
  // Dutch
  'afmelden', 'uitschrijven', 'verwijder (?:mij|me)', 'haal (?:mij|me) van', 'stop met mailen', 'geen (?:e-?mails?|berichten) meer',
  // Italian
  'disiscriv', 'cancellami', 'rimuovetemi', 'rimuovermi', 'toglietemi', 'non (?:inviatemi|scrivetemi|contattatemi) piu', 'smettete di (?:inviar|scriver)',
];
const INTENT = new RegExp(`(?<![a-z])(?:${PHRASES.join('|')})`);

/** Whether the reply's new text (or its subject, "Re:" dropped) asks to be unsubscribed. */
export function asksToUnsubscribe(newText: string, subject = ''): boolean {
  return INTENT.test(fold(newText.slice(0, 10_000))) || INTENT.test(fold(stripPrefixes(subject)));
}
