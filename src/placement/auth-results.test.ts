// The Authentication-Results reader on fields as Gmail, Outlook.com/Microsoft 365 and Yahoo stamp them:
// the topmost field wins, comments are dropped, a missing authserv-id (Microsoft) is fine.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authVerdicts, headerFields, parseAuthResults, stripComments } from './auth-results.js';

const GMAIL = [
  'Delivered-To: seed1@gmail.com',
  'Received: by 2002:a05:6a10:1a4d:b0:4ec:8ea4 with SMTP id abc;',
  '        Tue, 4 Mar 2025 02:13:05 -0800 (PST)',
  'ARC-Authentication-Results: i=1; mx.google.com;',
  '       dkim=fail header.i=@arc.test',
  'Authentication-Results: mx.google.com;',
  '       dkim=pass header.i=@outreach.test header.s=p2025 header.b=Xy3kL0qa;',
  '       spf=pass (google.com: domain of ana@outreach.test designates 192.0.2.10 as permitted sender) smtp.mailfrom=ana@outreach.test;',
  '       dmarc=pass (p=QUARANTINE sp=QUARANTINE dis=NONE) header.from=outreach.test',
  'Authentication-Results: forged.example; spf=fail; dkim=fail; dmarc=fail',
  'Subject: hi',
  '',
  'Authentication-Results: body.example; spf=neutral',
  '',
].join('\r\n');

const OUTLOOK = [
  'Authentication-Results: spf=softfail (sender IP is 192.0.2.10)',
  ' smtp.mailfrom=outreach.test; dkim=none (message not signed)',
  ' header.d=none;dmarc=fail action=oreject header.from=outreach.test;compauth=fail reason=000',
  'Received-SPF: SoftFail (protection.outlook.com: domain of transitioning outreach.test discourages use of 192.0.2.10 as permitted sender)',
  'Subject: hi',
  '',
  'body',
].join('\r\n');

const YAHOO = [
  'Authentication-Results: atlas-production.v2.mail.yahoo.com;',
  ' dkim=perm_fail header.i=@outreach.test header.s=old;',
  ' dkim=pass header.i=@outreach.test header.s=p2025;',
  ' spf=pass smtp.mailfrom=outreach.test;',
  ' dmarc=pass(p=REJECT) header.from=outreach.test;',
  'Subject: hi',
  '',
].join('\r\n');

describe('authVerdicts', () => {
  it('reads the topmost field of a Gmail copy, not the ARC copy, a lower one or the body', () => {
    const v = authVerdicts(headerFields(Buffer.from(GMAIL)));
    assert.deepEqual({ spf: v.spf, dkim: v.dkim, dmarc: v.dmarc }, { spf: 'pass', dkim: 'pass', dmarc: 'pass' });
    assert.match(v.raw ?? '', /^mx\.google\.com; dkim=pass header\.i=@outreach\.test/);
  });

  it('reads an Outlook field without an authserv-id', () => {
    const v = authVerdicts(headerFields(Buffer.from(OUTLOOK)));
    assert.deepEqual({ spf: v.spf, dkim: v.dkim, dmarc: v.dmarc }, { spf: 'softfail', dkim: 'none', dmarc: 'fail' });
  });

  it('takes a passing DKIM signature among several, and a result glued to its comment (Yahoo)', () => {
    const v = authVerdicts(headerFields(Buffer.from(YAHOO)));
    assert.deepEqual({ spf: v.spf, dkim: v.dkim, dmarc: v.dmarc }, { spf: 'pass', dkim: 'pass', dmarc: 'pass' });
  });

  it('gives nulls when the copy has no Authentication-Results', () => {
    assert.deepEqual(authVerdicts(headerFields(Buffer.from('Subject: x\r\n\r\nAuthentication-Results: a; spf=pass\r\n'))), { spf: null, dkim: null, dmarc: null, raw: null });
  });
});

describe('parseAuthResults', () => {
  it('reads "none" and a version number as no results', () => {
    assert.deepEqual(parseAuthResults('mx.example 1; none'), { spf: null, dkim: null, dmarc: null });
  });

  it('gives the first failing DKIM result when none passed', () => {
    assert.equal(parseAuthResults('mx; dkim=fail header.d=a; dkim=neutral header.d=b').dkim, 'fail');
  });

  it('lower-cases results and ignores garbage pieces', () => {
    assert.deepEqual(parseAuthResults('mx; SPF=PASS; ;; = ; dkim=; DMARC=Fail'), { spf: 'pass', dkim: null, dmarc: 'fail' });
  });
});

describe('stripComments', () => {
  it('drops nested comments and escaped parentheses, keeps quoted strings', () => {
    assert.equal(stripComments('a (x (y) \\) z) b "(q)" c'), 'a   b "(q)" c');
  });

  it('survives an unclosed comment or quote', () => {
    assert.equal(stripComments('spf=pass (oops'), 'spf=pass  ');
    assert.equal(stripComments('x="open'), 'x="open');
  });
});
