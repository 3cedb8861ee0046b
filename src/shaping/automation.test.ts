// The shipped automation rules against real replies: published provider texts quoted inline, and the
// replies in the labelled bounce corpus (../shared/testdata/bounces beside the repo; these tests fail
// when it is missing). Each text's class comes from classifyReply, as it will at delivery time.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { classifyReply } from '../bounce/classify/index.js';
import { CORPUS_DIR } from '../bounce/report/corpus.js';
import { parseReport } from '../bounce/report/index.js';
import type { ReportRecipient } from '../bounce/report-types.js';
import { describeAction, matchAutomation, type ShapingReply } from './automation.js';
import { providerOf } from './providers.js';
import { loadShapingRules, parseShapingRules } from './rules.js';

const rules = loadShapingRules();
const fired = new Set<string>();

/** The reply as the delivery path will hand it over: class from the classifier. */
function reply(provider: string | null, code: number, enhanced: string, text: string): ShapingReply {
  return { provider, code, enhanced, text, class: classifyReply({ code, enhanced, text, remote: true }).class };
}

function fire(r: ShapingReply): string[] {
  const names = matchAutomation(rules, r).map((rule) => rule.name);
  names.forEach((n) => fired.add(n));
  return names;
}

/** [provider, code, enhanced, text as published, rules expected to fire, action of the first]. */
type Row = readonly [string | null, number, string, string, readonly string[], string?];

// Texts as the providers publish them (Google: support.google.com/a/answer/3726730; Microsoft:
// learn.microsoft.com Exchange Online NDR pages and postmaster replies quoted in public reports; Yahoo:
// senders.yahooinc.com/smtp-error-codes; Spamhaus as quoted by Exchange Online and Postfix), with
// documentation addresses (192.0.2.0/24) in place of real ones.
const PUBLISHED: readonly Row[] = [
  ['google', 421, '4.7.28', '421-4.7.28 [192.0.2.10      15] Our system has detected an unusual rate of unsolicited mail originating from your IP address. To protect our users from spam, mail sent from your IP address has been temporarily rate limited. Please visit https://support.google.com/mail/?p=UnsolicitedRateLimitError to review our Bulk Email Senders Guidelines. a1si123456plb.123 - gsmtp', ['gmail-unusual-rate'], 'throttle to 50% of the rate towards google for 1h'],
  ['google', 450, '4.7.28', '450-4.7.28 Gmail has detected an unusual rate of mail originating from your DKIM domain [example.com 15]. To protect our users from spam, mail sent from your domain has been temporarily rate limited.', ['gmail-unusual-rate']],
  ['google', 421, '4.7.0', '421-4.7.0 [192.0.2.10 15] Our system has detected an unusual rate of unsolicited mail originating from your IP address. To protect our users from spam, mail sent from your IP address has been temporarily rate limited.', ['gmail-unusual-rate-legacy']],
  ['google', 421, '4.7.0', '421-4.7.0 [192.0.2.10 15] Our system has detected that this message is suspicious due to the very low reputation of the sending IP address. To protect our users from spam, mail sent from your IP address has been temporarily rate limited.', ['gmail-low-reputation'], 'throttle to 25% of the rate towards google for 2h'],
  ['google', 550, '5.7.1', '550-5.7.1 [192.0.2.10 15] Our system has detected that this message is likely suspicious due to the very low reputation of the sending domain. To best protect our users from spam, the message has been blocked.', ['gmail-low-reputation']],
  ['google', 550, '5.7.1', '550-5.7.1 [192.0.2.10 15] Our system has detected that this message is likely unsolicited mail. To reduce the amount of spam sent to Gmail, this message has been blocked. Please visit https://support.google.com/mail/?p=UnsolicitedMessageError for more information.', ['gmail-likely-unsolicited']],
  ['microsoft', 550, '5.7.1', "550 5.7.1 Unfortunately, messages from [192.0.2.10] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors. [Name=Protocol Filter Agent][AGT=PFA][MxId=11BC54339C3FD8FF] [BN3PEPF0000B077.namprd04.prod.outlook.com]", ['microsoft-blocklist'], 'suspend sending from the source towards microsoft for 4h'],
  ['microsoft', 550, '5.7.1', "550 5.7.1 Unfortunately, messages from [192.0.2.10] weren't sent. Please contact your Internet service provider since part of their network is on our block list (AS3140). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors.", ['microsoft-blocklist']],
  ['microsoft', 550, '5.7.511', '550 5.7.511 Access denied, banned sender[192.0.2.10]. To request removal from this list, forward this message to delist@microsoft.com.', ['microsoft-banned-ip'], 'suspend sending from the source towards microsoft for 12h'],
  ['microsoft', 451, '4.7.650', '451 4.7.650 The mail server [192.0.2.10] has been temporarily rate limited due to IP reputation. For e-mail delivery information, see https://aka.ms/postmaster (S775) [Name=Protocol Filter Agent][AGT=PFA]', ['microsoft-ip-reputation'], 'throttle to 25% of the rate towards microsoft for 1h'],
  ['microsoft', 451, '4.7.500', '451 4.7.500 Server busy. Please try again later from [192.0.2.10]. (S77714) [Hostname=BN8NAM12FT055.eop-nam12.prod.protection.outlook.com]', ['microsoft-server-busy'], 'throttle to 50% of the rate towards microsoft for 30m'],
  ['microsoft', 451, '4.7.500', '451 4.7.500 Access denied, please try again later.', ['microsoft-temporarily-restricted']],
  ['microsoft', 550, '5.7.1', '550 5.7.1 Service unavailable, Client host [192.0.2.10] blocked using Spamhaus. To request removal from this list see https://www.spamhaus.org/query/ip/192.0.2.10 AS(1450) [BN1NAM02FT036.eop-nam02.prod.protection.outlook.com]', ['dnsbl-listed']],
  ['yahoo', 421, '4.7.0', '421 4.7.0 [TSS04] Messages from 192.0.2.10 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes', ['yahoo-deferred'], 'suspend sending from the source towards yahoo for 2h'],
  ['yahoo', 421, '4.7.0', '421 4.7.0 [TS01] Messages from 192.0.2.10 temporarily deferred due to user complaints - 4.16.55.1; see http://postmaster.yahoo.com/421-ts01.html', ['yahoo-deferred']],
  ['yahoo', 553, '5.7.2', '553 5.7.2 [TSS09] All messages from 192.0.2.10 will be permanently deferred; Retrying will NOT succeed. See https://postmaster.yahooinc.com/error-codes', ['yahoo-permanently-deferred'], 'suspend sending from the source towards yahoo for 4h'],
  ['yahoo', 421, '4.7.1', '421 4.7.1 [TS03] All messages from 192.0.2.10 will be permanently deferred; Retrying will NOT succeed. See http://postmaster.yahoo.com/421-ts03.html', ['yahoo-permanently-deferred']],
  ['yahoo', 553, '5.7.1', "553 5.7.1 [BL21] Connections will not be accepted from 192.0.2.10, because the ip is in Spamhaus's list; see http://postmaster.yahoo.com/550-bl23.html", ['dnsbl-listed']],
  [null, 554, '5.7.1', '554 5.7.1 Service unavailable; Client host [192.0.2.10] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.10', ['dnsbl-listed'], 'suspend the identity towards every provider for 12h'],
  ['apple', 421, '4.7.0', '421 4.7.0 [HCM1] Your mail from 192.0.2.10 was deferred.', ['apple-deferred']],
  [null, 421, '4.7.0', '421 4.7.0 Too many concurrent SMTP connections from this IP address; please try again later', ['too-many-connections'], 'throttle to 50% of the rate towards the replying destination for 30m'],
  ['orange', 421, '', '421 mwinf5c20 ME Trop de connexions, veuillez verifier votre configuration. Too many connections, slow down. OFR005_104 [104]', ['too-many-connections']],
];

/** Ordinary refusals about one recipient: no shaping. */
const ORDINARY: readonly Row[] = [
  ['google', 550, '5.1.1', "550-5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces. Learn more at https://support.google.com/mail/?p=NoSuchUser", []],
  ['google', 452, '4.2.2', "452-4.2.2 The recipient's inbox is out of storage space. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaTemp", []],
  ['google', 450, '4.2.1', '450-4.2.1 The user you are trying to contact is receiving mail at a rate that prevents additional messages from being delivered. Please resend your message at a later time.', []],
  ['google', 421, '4.7.0', '421-4.7.0 Try again later, closing connection. (EHLO) a1si2 - gsmtp', []],
  ['google', 550, '5.7.26', '550-5.7.26 Unauthenticated email from example.com is not accepted due to domain\'s DMARC policy.', []],
  ['microsoft', 550, '5.1.10', '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup', []],
  ['microsoft', 552, '5.2.2', '552 5.2.2 Mailbox full', []],
  ['yahoo', 554, '5.0.0', "554 delivery error: dd This user doesn't have a yahoo.com account (someone@yahoo.com) [0] - mta1061.mail.ne1.yahoo.com", []],
  [null, 550, '5.1.1', '550 5.1.1 <someone@example.org>... User Unknown', []],
];

describe('published replies', () => {
  for (const [provider, code, enhanced, text, expected, action] of [...PUBLISHED, ...ORDINARY]) {
    it(`${provider ?? 'any'} ${code} ${enhanced}: ${expected.join(',') || 'nothing'} (${text.slice(0, 50)})`, () => {
      const r = reply(provider, code, enhanced, text);
      assert.deepEqual(fire(r), expected);
      if (action !== undefined) assert.equal(describeAction(matchAutomation(rules, r)[0]!), action);
    });
  }
  it('a provider rule ignores the same words from another destination', () => {
    const tss04 = PUBLISHED.find((row) => row[4][0] === 'yahoo-deferred')!;
    assert.deepEqual(fire(reply('google', tss04[1], tss04[2], tss04[3])), []);
    const gmail = PUBLISHED[0]!;
    assert.deepEqual(fire(reply(null, gmail[1], gmail[2], gmail[3])), []);
  });
});

/** [corpus file, recipient row, rules expected]; the provider comes from the report's remote MTA. */
const CORPUS: ReadonlyArray<readonly [string, number, readonly string[], string?]> = [
  // Hotmail's older block list reply (COL0-MC1 is a Hotmail host; the report names no remote MTA).
  ['lhost-ezweb-08.eml', 1, ['microsoft-blocklist'], 'microsoft'],
  // Exchange Online's ban (its host, *.prod.protection.outlook.com, is in the text only).
  ['lhost-qmail-09.eml', 1, ['microsoft-banned-ip'], 'microsoft'],
  ['rhost-franceptt-06.eml', 1, ['orange-ip-blocked']],
  ['rhost-franceptt-07.eml', 1, ['orange-service-refused']],
  ['rhost-franceptt-08.eml', 1, ['orange-service-refused']],
  ['rhost-franceptt-11.eml', 1, []], // the same words from La Poste, which is not Orange
  ['rhost-godaddy-02.eml', 1, ['dnsbl-listed']],
  ['lhost-amazonses-16.eml', 1, ['dnsbl-listed']],
  ['lhost-postfix-80.eml', 1, ['dnsbl-listed']],
  ['lhost-gmail-04.eml', 1, ['dnsbl-listed']], // a remote's cbl.abuseat.org refusal relayed by Gmail
  ['lhost-postfix-09.eml', 1, ['too-many-connections']],
  ['rhost-tencent-02.eml', 1, []], // QQ's 550 "Connection frequency limited": permanent, no shaping rule
  ['lhost-postfix-59.eml', 1, []], // Gmail's per-recipient "receiving mail at a rate"
  ['rhost-google-02.eml', 1, []],
  ['rhost-google-05.eml', 1, []],
  ['rhost-apple-03.eml', 1, []],
  ['rhost-yahooinc-03.eml', 1, []],
  ['rhost-aol-03.eml', 1, []],
  ['rhost-aol-03.eml', 2, []],
  ['lhost-sendmail-56.eml', 1, []],
];

describe('the bounce corpus', () => {
  const reports = new Map<string, ReportRecipient[]>();
  before(async () => {
    assert.ok(existsSync(join(CORPUS_DIR, 'given')), `the bounce corpus is missing at ${CORPUS_DIR} (../shared/testdata/bounces beside the repository)`);
    for (const file of readdirSync(join(CORPUS_DIR, 'given')).filter((f) => f.endsWith('.eml'))) {
      reports.set(file, (await parseReport(readFileSync(join(CORPUS_DIR, 'given', file)))).recipients);
    }
  });

  /** The reply code the remote sent: the one leading the diagnostic, else the report's. */
  function corpusReply(r: ReportRecipient, provider?: string): ShapingReply {
    const code = Number(/^([45]\d\d)[\s-]/.exec(r.diagnostic)?.[1] ?? r.replyCode) || 0;
    const host = r.remoteMta.split(/[\s(]/)[0] ?? '';
    return reply(provider ?? providerOf(rules, [host])?.name ?? null, code, r.status, r.diagnostic);
  }

  for (const [file, row, expected, provider] of CORPUS) {
    it(`${file} #${row}: ${expected.join(',') || 'nothing'}`, () => {
      const r = reports.get(file)?.[row - 1];
      assert.ok(r !== undefined, `${file} has no recipient ${row}`);
      assert.deepEqual(fire(corpusReply(r, provider)), expected, r.diagnostic);
    });
  }

  it('no hard bounce and no full mailbox in the corpus fires anything', () => {
    let rows = 0;
    for (const [file, recipients] of reports) {
      for (const r of recipients) {
        const input = corpusReply(r);
        if (input.class !== 'hard' && r.reason !== 'mailboxfull') continue;
        rows++;
        assert.deepEqual(matchAutomation(rules, input), [], `${file}: ${r.diagnostic}`);
      }
    }
    assert.ok(rows >= 150, `only ${rows} hard or mailbox-full rows`);
  });
});

describe('matchAutomation', () => {
  const own = parseShapingRules({
    providers: [{ name: 'p', mx: ['.p.example'] }],
    automation: [
      { name: 'class-4.7', match: { enhanced: ['4.7'] }, action: { kind: 'suspend', scope: 'source', duration: '1h' } },
      { name: 'only-4.7.2', match: { enhanced: ['4.7.2'] }, action: { kind: 'suspend', scope: 'source', duration: '1h' } },
      { name: 'all-of', provider: 'p', match: { codes: [421], class: ['rate'], text: 'slow down' }, action: { kind: 'throttle', factor: 0.1, scope: 'identity', duration: '90m' } },
    ],
  });
  const base: ShapingReply = { provider: 'p', code: 421, enhanced: '4.7.28', text: 'please slow down', class: 'rate' };
  const names = (r: ShapingReply) => matchAutomation(own, r).map((rule) => rule.name);

  it('matches enhanced codes by whole components', () => {
    assert.deepEqual(names(base), ['class-4.7', 'all-of']);
    assert.deepEqual(names({ ...base, enhanced: '4.7.2' }), ['class-4.7', 'only-4.7.2', 'all-of']);
    assert.deepEqual(names({ ...base, enhanced: '4.70.1' }), ['all-of']);
  });
  it('needs every condition of a rule to hold', () => {
    assert.deepEqual(names({ ...base, enhanced: '', code: 450 }), []);
    assert.deepEqual(names({ ...base, enhanced: '', class: 'block' }), []);
    assert.deepEqual(names({ ...base, enhanced: '', text: 'SLOW DOWN now' }), ['all-of']);
    assert.deepEqual(names({ ...base, enhanced: '', provider: null }), []);
  });
  it('describes identity throttles, and odd durations', () => {
    assert.equal(describeAction(own.automation[2]!), 'throttle the identity to 10% of its rate towards every provider for 1h30m');
  });
});

describe('coverage', () => {
  it('every shipped rule fires on at least one real reply above', () => {
    const unfired = rules.automation.map((r) => r.name).filter((n) => !fired.has(n));
    assert.deepEqual(unfired, []);
  });
});
