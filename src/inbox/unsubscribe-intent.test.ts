// asksToUnsubscribe: requests to be taken off the list in seven languages, judged on the new text (and
// the subject); "not interested", a quoted footer or a topic mention are not requests.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asksToUnsubscribe } from './unsubscribe-intent.js';
import { newText } from './text.js';

describe('asksToUnsubscribe', () => {
  const yes = [
    'Unsubscribe', 'Please remove me from your list.', 'Take me off your mailing list!', 'stop emailing me', 'Stop sending me these.',
    "Please don't contact me again.", 'please remove',
    'Bitte tragen Sie mich aus Ihrem Verteiler aus. Bitte austragen.', 'Ich möchte mich abmelden.', 'Keine E-Mails mehr bitte.',
    'Merci de me désinscrire.', 'Je souhaite me désabonner.', 'Retirez-moi de votre liste.',
    'Por favor, darme de baja.', 'Quiero darme de baja de la lista.', 'No me envíen más correos.',
    'Por favor, me remova da lista.', 'Não quero mais receber estes e-mails.', 'Quero me descadastrar.',
    'Graag afmelden.', 'Verwijder mij van uw lijst.', 'Ik wil me uitschrijven.',
    'Cancellami dalla lista.', 'Vorrei disiscrivermi.', 'Non inviatemi più email.',
  ];
  for (const text of yes) it(`yes: ${text}`, () => assert.equal(asksToUnsubscribe(text), true));

  const no = [
    "I'm not interested.", 'Not interested, thanks.', 'Kein Interesse.', 'Pas intéressé.', 'Sounds great, let us talk Tuesday.',
    'Can you remove the attachment size limit?', 'We removed the old server.',
  ];
  for (const text of no) it(`no: ${text}`, () => assert.equal(asksToUnsubscribe(text), false));

  it('reads the subject without its Re: prefix', () => {
    assert.equal(asksToUnsubscribe('', 'Re: UNSUBSCRIBE'), true);
    assert.equal(asksToUnsubscribe('', 'Re: Your demo'), false);
  });

  it('judges the new text only: an unsubscribe line in the quoted mail is not a request', () => {
    const reply = 'Thanks, interesting!\n\nOn Mon, Ann <ann@acme.test> wrote:\n> Hi Bob\n> To unsubscribe, reply "unsubscribe".';
    assert.equal(asksToUnsubscribe(newText(reply)), false);
    assert.equal(asksToUnsubscribe(newText(`unsubscribe\n\n${reply}`)), true);
  });
});
