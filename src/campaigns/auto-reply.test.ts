// isAutoReply over real header blocks: RFC 3834 Auto-Submitted, X-Autoreply, Precedence and vacation
// subjects in several languages are automatic; a person's "Re: your note" is not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFields } from '../bounce/report/fields.js';
import { isAutoReply } from './auto-reply.js';

const auto = (head: string) => isAutoReply(parseFields(`From: Bob <bob@x.test>\r\nTo: ann@acme.test\r\n${head}`));

describe('isAutoReply', () => {
  it('follows Auto-Submitted: anything but "no" is automatic', () => {
    assert.equal(auto('Subject: Re: your note\r\nAuto-Submitted: auto-replied\r\n'), true);
    assert.equal(auto('Subject: Re: your note\r\nAuto-Submitted: Auto-Generated\r\n'), true);
    assert.equal(auto('Subject: Re: your note\r\nAuto-Submitted: no\r\n'), false);
    assert.equal(auto('Subject: Re: your note\r\nAuto-Submitted:  No \r\n'), false);
  });

  it('takes the X-Autoreply family and Precedence auto_reply or bulk', () => {
    assert.equal(auto('Subject: Re: your note\r\nX-Autoreply: yes\r\n'), true);
    assert.equal(auto('Subject: Re: your note\r\nX-Autorespond: 1\r\n'), true);
    assert.equal(auto('Subject: Re: your note\r\nPrecedence: auto_reply\r\n'), true);
    assert.equal(auto('Subject: Re: your note\r\nPrecedence: bulk\r\n'), true);
    assert.equal(auto('Subject: Re: your note\r\nPrecedence: list\r\n'), false);
  });

  it('knows vacation subjects in several languages, encoded or not', () => {
    const subjects = [
      'Out of Office: Quick question', 'Automatic reply: Quick question', 'Abwesenheitsnotiz: Quick question',
      'Réponse automatique : Quick question', 'Respuesta automática: Quick question', 'Fuori sede: Quick question',
      '自動返信: Quick question', '=?UTF-8?Q?R=C3=A9ponse_automatique?= : Quick question',
      '=?UTF-8?B?6Ieq5YuV6L+U5L+hOiBRdWljayBxdWVzdGlvbg==?=',
    ];
    for (const s of subjects) assert.equal(auto(`Subject: ${s}\r\n`), true, s);
  });

  it('leaves a person\'s reply alone', () => {
    assert.equal(auto('Subject: Re: your note\r\nIn-Reply-To: <x@acme.test>\r\n'), false);
    assert.equal(auto('Subject: Re: Quick question, Bob\r\n'), false);
    // Words of vacation subjects inside a person's subject do not count: they must lead it.
    for (const s of ['Re: Will you be absent on Friday?', 'Re: Profis discussion', 'Re: olen poissa huomenna, soitetaan']) assert.equal(auto(`Subject: ${s}\r\n`), false, s);
    assert.equal(auto('Subject: [Out of Office] back Monday\r\n'), true);
    assert.equal(auto(''), false);
  });

  it('knows the out-of-office subjects of the seven mailbox languages', () => {
    const subjects = ['Autoreply: Hi', 'Automatische Antwort: Hi', 'Absence: Hi', 'Fuera de la oficina: Hi', 'Resposta automática: Hi',
      'Ausente: Hi', 'Afwezig: Hi', 'Automatisch antwoord: Hi', 'Risposta automatica: Hi', 'Fuori ufficio: Hi'];
    for (const s of subjects) assert.equal(auto(`Subject: ${s}\r\n`), true, s);
  });

  it('never takes X-Auto-Response-Suppress alone: Outlook sets it on ordinary mail', () => {
    assert.equal(auto('Subject: Re: Quick question\r\nX-Auto-Response-Suppress: All\r\nIn-Reply-To: <x@acme.test>\r\n'), false);
    assert.equal(auto('Subject: Re: Quick question\r\nX-Auto-Response-Suppress: DR, RN, NRN, OOF, AutoReply\r\n'), false);
  });
});
