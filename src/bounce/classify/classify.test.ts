// Table tests for the classifier: real-looking replies → reason and class, status inference, Petrel's
// own outcomes, and the safety rules (4xx never hard; reputation never suppresses).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify, classifyReply, classOf, suppresses } from './index.js';
import { REASON_CLASS } from './reasons.js';

/** [reply text, expected reason, optional status, optional command] */
const TABLE: ReadonlyArray<readonly [string, string, string?, string?]> = [
  ['550 5.1.1 <kijitora@example.jp>... User Unknown', 'userunknown', '5.1.1'],
  ['550-5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient\'s email address', 'userunknown', '5.1.1'],
  ['550 5.1.1 <a@b.example>: Recipient address rejected: User unknown in virtual mailbox table', 'userunknown', '5.1.1'],
  ['554 delivery error: dd This user doesn\'t have a yahoo.com account (x@yahoo.com) [0] - mta1061.mail.ne1.yahoo.com', 'userunknown', ''],
  ['550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup', 'userunknown', '5.1.10'],
  ['550 No such user here', 'userunknown', '', 'RCPT'],
  ['550 Requested action not taken: mailbox unavailable', 'userunknown', ''],
  ['Mail rejete. Mail rejected. Utilisateur inconnu (#5.1.1)', 'userunknown', ''],
  ['550 5.1.2 Host unknown (Name server: example.invalid: host not found)', 'hostunknown', '5.1.2'],
  ['Host or domain name not found. Name service error for name=example.jp type=A: Host not found', 'hostunknown', '5.4.4'],
  ['553 5.1.2 Recipient address rejected: domain does not exist', 'hostunknown', ''],
  ['550 5.1.6 Recipient mailbox has moved, no forwarding address', 'hasmoved', '5.1.6'],
  ['550 5.1.1 <a@b.example>: user a has been replaced by c@d.example', 'hasmoved', '5.1.1'],
  ['556 5.1.10 Recipient address has null MX', 'notaccept', '5.1.10'],
  ['552 5.2.2 Mailbox full', 'mailboxfull', '5.2.2'],
  ['452 4.2.2 The email account that you tried to reach is over quota', 'mailboxfull', '4.2.2'],
  ['550 user over quota. (#5.1.1)', 'mailboxfull', ''],
  ['552 5.3.4 Message size exceeds fixed maximum message size', 'mesgtoobig', '5.3.4'],
  ['550 5.2.3 RESOLVER.RST.RecipSizeLimit; message too large for this recipient', 'exceedlimit', '5.2.3'],
  ['550 5.2.1 This mailbox has been suspended', 'suspend', '5.2.1'],
  ['550 5.2.1 The email account that you tried to reach is disabled.', 'suspend', '5.2.1'],
  ['550 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org', 'blocked', '5.7.1'],
  ['550 5.7.606 Access denied, banned sending IP [192.0.2.1]', 'blocked', '5.7.606'],
  ['550 5.1.1 Your IP 192.0.2.1 is listed in the RBL at bl.spamcop.net', 'blocked', '5.1.1'],
  ['421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints', 'blocked', '4.7.0'],
  ['550 SC-001 (BAY004) Unfortunately, messages from 192.0.2.1 weren\'t sent. OL1 S3150', 'blocked', ''],
  ['550 5.7.1 Our system has detected that this message is likely unsolicited mail', 'spamdetected', '5.7.1'],
  ['554 5.7.1 Message rejected as spam by Content Filtering', 'spamdetected', '5.7.1'],
  ['550-REJECTED - Blacklisted URL in message. (example.com) in [black]. See http://lookup.uribl.com', 'spamdetected', ''],
  ['554 5.7.1 Virus detected: Eicar-Test-Signature', 'virusdetected', '5.7.1'],
  ['550 5.7.1 Email rejected because 192.0.2.1 is in a poor reputation', 'badreputation', '5.7.1'],
  ['553 5.1.8 <root@host.example>... Domain of sender address root@host.example does not exist', 'rejected', '5.1.8'],
  ['550 5.7.1 Sender address rejected: Access denied', 'rejected', '5.7.1'],
  ['550 5.2.0 Message Filtered', 'filtered', '5.2.0'],
  ['550 5.7.1 RESOLVER.RST.NotAuthorized; not authorized', 'filtered', '5.7.1'],
  ['550 5.7.26 This message does not pass authentication checks (SPF and DKIM both do not pass)', 'authfailure', '5.7.26'],
  ['550 5.7.1 Unauthenticated email from example.com is not accepted due to domain\'s DMARC policy', 'authfailure', '5.7.1'],
  ['550 5.7.23 SPF validation failed', 'authfailure', '5.7.23'],
  ['550-5.7.25 The IP address sending this message does not have a PTR record setup', 'requireptr', '5.7.25'],
  ['450 4.7.1 Client host rejected: cannot find your hostname, [192.0.2.1]', 'requireptr', '4.7.1'],
  ['550 5.7.1 Messages with multiple addresses in From: header are not accepted', 'notcompliantrfc', '5.7.1'],
  ['554 5.7.1 <a@b.example>: Relay access denied', 'norelaying', '5.7.1'],
  ['530 5.7.0 Must issue a STARTTLS command first', 'securityerror', '5.7.0'],
  ['500 Remote server does not support TLS (state 6).', 'failedstarttls', ''],
  ['552 5.7.0 This message was blocked because its content presents a potential security issue', 'policyviolation', '5.7.0'],
  ['421 4.7.0 Too many concurrent SMTP connections from this IP address; please try again later', 'toomanyconn', '4.7.0'],
  ['452 4.3.2 Connection rate limit exceeded.', 'toomanyconn', '4.3.2'],
  ['450 4.2.1 The user you are trying to contact is receiving mail at a rate that prevents additional messages from being delivered', 'speeding', '4.2.1'],
  ['421 4.7.28 Our system has detected an unusual rate of unsolicited mail; rate limited', 'speeding', '4.7.28'],
  ['554 4.4.7 Message expired: unable to deliver in 840 minutes.<421 4.4.2 Connection timed out>', 'expired', '4.4.7'],
  ['Reason: delivery retry timeout exceeded', 'expired', ''],
  ['connect to mx.example.org[192.0.2.1]:25: Connection refused', 'networkerror', ''],
  ['Name service error for name=example.org type=MX: Malformed or unexpected name server reply', 'networkerror', '5.4.4'],
  ['451 4.3.0 Error: queue file write error', 'systemerror', '4.3.0'],
  ['554 Service currently unavailable', 'systemerror', ''],
  ['452 4.3.1 Insufficient system storage', 'systemfull', '4.3.1'],
  ['503 Improper sequence of commands', 'syntaxerror', ''],
  ['554 5.6.0 Header error', 'contenterror', '5.6.0'],
  ['X-Unix; procmail: exit status 75', 'mailererror', ''],
  ['421 4.2.0 Service refuse. Veuillez essayer plus tard. Service refused, please try later. OFR005_505 [505]', 'systemerror', '4.2.0'],
  ['550 5.1.0 <x@example.com> sender rejected. AUP#CDRBL', 'blocked', '5.1.0'],
  ['550 5.1.0 <x@example.com> sender rejected. AUP#In-1310', 'toomanyconn', '5.1.0'],
  ['550 5.1.1 <a@b.example> - 192.0.2.1 has sent to too many recipients this hour. IB607', 'speeding', '5.1.1'],
  ['550 Connection frequency limited. Blocked IP 192.0.2.1', 'toomanyconn', ''],
  ['554 email rejected due to security policies - MCSpamSignature.sa.2.2', 'virusdetected', ''],
  ['550 5.2.1 <a@b.example>... User Unknown', 'filtered', '5.2.1', 'DATA'],
  ['550 User unknown', 'filtered', '5.2.0'],
];

describe('classify: reply texts', () => {
  for (const [text, reason, status, command] of TABLE) {
    it(`${reason}: ${text.slice(0, 60)}`, () => {
      const got = classify({ text, status: status ?? '', command });
      assert.equal(got.reason, reason);
      assert.equal(got.class, text.startsWith('4') && classOf(reason) === 'hard' ? 'soft' : classOf(reason));
    });
  }
  it('has at least 60 rows covering every class but the report-only ones', () => {
    assert.ok(TABLE.length >= 60);
    const classes = new Set(TABLE.map(([, r]) => classOf(r)));
    for (const c of ['hard', 'soft', 'block', 'policy', 'rate', 'expired'] as const) assert.ok(classes.has(c), c);
  });
});

describe('classify: report shape', () => {
  it('delivered / relayed actions are success', () => {
    assert.deepEqual(classify({ text: '250 2.0.0 OK', status: '2.0.0', action: 'delivered' }), { class: 'success', reason: 'delivered', status: '2.0.0' });
  });
  it('a delayed report with nothing else is expired', () => {
    assert.equal(classify({ text: '', action: 'delayed' }).reason, 'expired');
  });
  it('an answer to MAIL FROM is about the sender', () => {
    assert.equal(classify({ text: '553 5.1.0 neko.example.com does not exist', command: 'MAIL' }).reason, 'rejected');
  });
  it('a refusal at connection time is blocked', () => {
    assert.equal(classify({ text: '554 go away', command: 'CONNECT' }).reason, 'blocked');
  });
  it('nothing at all is undefined; unexplained words are onhold', () => {
    assert.deepEqual(classify({ text: '' }), { class: 'unknown', reason: 'undefined', status: '5.0.900' });
    assert.equal(classify({ text: '550 Nyaan', replyCode: '550' }).reason, 'onhold');
  });
});

describe('classify: status', () => {
  // A stated code passes through; without one the status is sisimai's pseudo code x.0.9NN for the reason.
  const cases: ReadonlyArray<readonly [Parameters<typeof classify>[0], string]> = [
    [{ text: 'smtp; 550 Unknown user x@example.com', status: '5.1.1' }, '5.1.1'], // given wins
    [{ text: 'user unknown', status: 'nonsense', replyCode: '550' }, '5.0.911'],
    [{ text: 'Host unknown' }, '5.0.912'],
    [{ text: 'mailbox full', replyCode: '452' }, '4.0.922'],
    [{ text: 'mailbox full', replyCode: '552' }, '5.0.922'],
    [{ text: 'Message size exceeds fixed maximum message size' }, '5.0.934'],
    [{ text: 'message expired', action: 'delayed' }, '5.0.947'], // the action alone does not make it transient
    [{ text: 'message expired after a temporary failure' }, '4.0.947'],
    [{ text: 'retry timeout exceeded', action: 'failed' }, '4.0.947'], // Exim: only temporary failures ran out
    [{ text: 'user unknown', replyCode: '450' }, '5.0.911'], // no transient form for a missing user
    [{ text: 'message filtered', replyCode: '450' }, '4.0.924'],
    [{ text: 'blocked using zen.spamhaus.org', replyCode: '554' }, '5.0.971'],
    [{ text: '550 5.7.1 Relaying denied' }, '5.7.1'], // taken from the text
    [{ text: 'this account has been disabled' }, '5.0.921'],
    [{ text: 'Out of office', action: 'failed' }, ''], // vacation and feedback carry no status
  ];
  for (const [input, want] of cases) it(`${input.text} → ${want}`, () => assert.equal(classify(input).status, want));
});

describe('classifyReply: Petrel\'s own outcomes', () => {
  const own: ReadonlyArray<readonly [number, string, string, string, string]> = [
    [451, '4.4.1', 'connect to mx.example.com[192.0.2.1]:25: connection refused', 'networkerror', 'soft'],
    [451, '4.4.2', 'timed out reading the reply to DATA', 'networkerror', 'soft'],
    [550, '5.1.2', 'domain example.invalid does not exist (DNS NXDOMAIN)', 'hostunknown', 'hard'],
    [556, '5.1.10', 'domain example.com accepts no mail (null MX, RFC 7505)', 'notaccept', 'hard'],
    [451, '4.4.7', 'expired: in the queue for 5 days', 'expired', 'expired'],
    [451, '4.7.5', 'no MX host of example.com matches its MTA-STS policy', 'securityerror', 'policy'],
    [454, '4.7.4', 'TLS is required but mx.example.com does not offer STARTTLS', 'failedstarttls', 'policy'],
    [554, '5.4.6', 'mail for example.com loops back to myself (MX points to us)', 'networkerror', 'soft'],
    [451, '4.4.3', 'DNS lookup of MX for example.com failed: SERVFAIL', 'networkerror', 'soft'],
    [451, '4.4.4', 'host mx.example.com has no address (DNS)', 'networkerror', 'soft'],
    [451, '4.3.0', 'local error during the transaction: EIO', 'systemerror', 'soft'],
    [454, '4.7.0', 'authentication with PLAIN failed: 535 5.7.8 Bad credentials', 'securityerror', 'policy'],
    [552, '5.3.4', 'message too big for host: 30000000 bytes, the host accepts 10000000', 'mesgtoobig', 'soft'],
    [550, '5.1.1', 'no such user here: a@example.com', 'userunknown', 'hard'],
    [553, '5.1.7', 'bad sender address "a@"', 'rejected', 'block'],
  ];
  for (const [code, enhanced, text, reason, cls] of own) {
    it(`${enhanced} ${text.slice(0, 40)}`, () => assert.deepEqual(classifyReply({ code, enhanced, text, remote: false }), { class: cls, reason }));
  }
  it('remote replies go through the text classifier', () => {
    assert.deepEqual(classifyReply({ code: 550, enhanced: '5.1.1', text: 'user unknown', remote: true, phase: 'rcpt' }), { class: 'hard', reason: 'userunknown' });
    assert.deepEqual(classifyReply({ code: 250, enhanced: '2.0.0', text: 'ok', remote: true }), { class: 'success', reason: 'delivered' });
  });
});

describe('safety', () => {
  it('a 4xx reply is never hard', () => {
    for (const text of ['user unknown', 'no such domain', 'null MX', 'mailbox has moved', 'Host unknown']) {
      const r = classifyReply({ code: 450, enhanced: '4.1.1', text, remote: true, phase: 'rcpt' });
      assert.notEqual(r.class, 'hard', text);
      assert.notEqual(classify({ text, replyCode: '450' }).class, 'hard', text);
      assert.notEqual(classify({ text, status: '4.1.1' }).class, 'hard', text);
    }
  });
  it('reputation texts under 5.1.1-looking codes do not suppress', () => {
    for (const text of [
      '550 5.1.1 Service unavailable; client host [192.0.2.1] blocked using b.barracudacentral.org',
      '550 5.1.1 <a@b.example>: rejected because 192.0.2.1 is listed in bl.spamcop.net',
      '550 5.1.1 Your message was rejected: the sending IP has a poor reputation',
      '550 5.1.1 Message rejected as spam',
    ]) {
      const c = classify({ text, status: '5.1.1', replyCode: '550', command: 'RCPT' });
      assert.equal(suppresses(c), false, `${text} → ${c.reason}`);
      assert.equal(suppresses(classifyReply({ code: 550, enhanced: '5.1.1', text, remote: true, phase: 'rcpt' })), false);
    }
  });
  it('only hard classifications suppress', () => {
    for (const [reason, cls] of Object.entries(REASON_CLASS)) assert.equal(suppresses({ class: cls, reason }), cls === 'hard');
  });
  it('stays fast on long hostile input', () => {
    const text = `550 ${'user '.repeat(20000)}${'a'.repeat(50000)} ${'mailbox '.repeat(5000)}`;
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) classify({ text });
    assert.ok(performance.now() - t0 < 1000);
  });
});

describe('classify: provider texts', () => {
  const rows: ReadonlyArray<readonly [string, string]> = [
    ['421-4.7.0 [192.0.2.1] Our system has detected an unusual rate of unsolicited mail originating from your IP address; mail sent from your IP address has been temporarily rate limited', 'speeding'],
    ['550-5.7.1 [192.0.2.1] Our system has detected that this message is likely suspicious due to the very low reputation of the sending IP address', 'badreputation'],
    ['550-5.7.1 The IP you\'re using to send mail is not authorized to send email directly to our servers', 'blocked'],
    ['550-5.7.25 [2001:db8::1] The sending IP does not meet IPv6 sending guidelines regarding PTR records and authentication', 'requireptr'],
    ['421 4.7.650 The mail server [192.0.2.1] has been temporarily rate limited due to IP reputation', 'badreputation'],
    ['550 5.7.1 Unfortunately, messages from [192.0.2.1] weren\'t sent. Please contact your Internet service provider since part of their network is on our block list (S3150)', 'blocked'],
    ['550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302)', 'userunknown'],
    ['553 5.7.2 [TSS09] All messages from 192.0.2.1 will be permanently deferred', 'blocked'],
    ['554 5.7.9 Message not accepted for policy reasons', 'policyviolation'],
    ['554 5.7.1 [CS01] Message rejected due to local policy', 'policyviolation'],
    ['550 Invalid Recipient - https://community.mimecast.com/docs/DOC-1369#550', 'userunknown'],
    ['553-you are trying to use me [server-4.bemta-8.messagelabs.com] as a relay, but I have not been configured to let you do this', 'norelaying'],
    ['550 5.1.1 RCP-P1 Refused due to recipient preferences', 'filtered'],
    ['550 Mailbox not found. http://service.mail.qq.com/cgi-bin/help?subtype=1', 'userunknown'],
    ['550 5.5.0 Mail rejete. Mail rejected. OFR004_104 [104]', 'toomanyconn'],
    ['550 5.1.1 <a@example.fr>: Recipient address rejected: Adresse d au moins un destinataire invalide. Invalid recipient. 416', 'userunknown'],
  ];
  for (const [text, reason] of rows) it(`${reason}: ${text.slice(0, 60)}`, () => assert.equal(classify({ text }).reason, reason));
});

describe('classify: hints and retried failures', () => {
  it('a Google Groups refusal in any language is rejected', () => {
    const text = '連絡しようとしたグループ（libsisimai）が存在しないか、グループにメッセージを投稿する権限がない可能性があります。';
    assert.deepEqual(classify({ text, provider: 'googlegroups' }), { class: 'block', reason: 'rejected', status: '5.0.918' });
    assert.equal(classify({ text }).reason, 'onhold'); // without the hint the words name nothing we know
    assert.equal(classify({ text: 'user unknown', command: 'RCPT', provider: 'googlegroups' }).reason, 'userunknown'); // words win
  });
  it('KDDI\'s address-less "User unknown" is its reception filter', () => {
    assert.equal(classify({ text: '550 : User unknown', replyCode: '550' }).reason, 'filtered');
    assert.equal(classify({ text: '550 <address@example>: User unknown', replyCode: '550' }).reason, 'userunknown');
  });
  it('a 4xx network failure in a failed or delayed report has expired; the same reply to our own client has not', () => {
    assert.equal(classify({ text: '421 Host not reachable', replyCode: '421', action: 'failed' }).reason, 'expired');
    assert.equal(classifyReply({ code: 421, enhanced: '', text: 'Host not reachable', remote: true }).reason, 'networkerror');
  });
});
