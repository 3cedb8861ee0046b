// Tests for the inbound policy: which mailauth results refuse a message (550 5.7.1) and which only
// mark it, and what the check asks mailauth. mailauth is faked; no DNS.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import type { AuthenticateOptions, AuthenticateResult } from 'mailauth';
import type { Envelope } from '../smtp/server/ports.js';
import { MailauthInbound, refusal, type AuthSummary, type InboundPolicy } from './inbound.js';

const POLICY: InboundPolicy = { authservId: 'mx.petrel.test', rejectDmarc: true, rejectSpfFail: false };

function summary(spf: string, dmarc: string | null, policy = 'reject', dkim: string[] = []): AuthSummary {
  return {
    spf: { domain: 'sender.test', status: { result: spf } },
    dkim: { results: dkim.map((result) => ({ status: { result } })) },
    dmarc: dmarc === null ? false : { domain: 'sender.test', policy, status: { result: dmarc } },
  };
}

test('DMARC fail under p=reject refuses with 550 5.7.1', () => {
  const r = refusal(summary('fail', 'fail'), POLICY);
  assert.equal(r?.code, 550);
  assert.equal(r?.enhanced, '5.7.1');
  assert.match(r?.lines[0] ?? '', /DMARC.*sender\.test/);
});

test('DMARC quarantine and none only mark; pass never refuses', () => {
  assert.equal(refusal(summary('fail', 'fail', 'quarantine'), POLICY), null);
  assert.equal(refusal(summary('fail', 'fail', 'none'), POLICY), null);
  assert.equal(refusal(summary('pass', 'pass'), POLICY), null);
  assert.equal(refusal(summary('none', null), POLICY), null);
});

test('rejectDmarc: false keeps a DMARC reject failure', () => {
  assert.equal(refusal(summary('fail', 'fail'), { ...POLICY, rejectDmarc: false }), null);
});

test('a temperror (DNS failure) never refuses, even with DMARC fail', () => {
  assert.equal(refusal(summary('temperror', 'fail'), POLICY), null);
  assert.equal(refusal(summary('none', 'fail', 'reject', ['temperror']), POLICY), null);
  assert.equal(refusal(summary('temperror', 'temperror'), { ...POLICY, rejectSpfFail: true }), null);
});

test('SPF fail refuses only when rejectSpfFail is on', () => {
  assert.equal(refusal(summary('fail', null), POLICY), null);
  assert.equal(refusal(summary('softfail', null), { ...POLICY, rejectSpfFail: true }), null);
  assert.equal(refusal(summary('fail', null), { ...POLICY, rejectSpfFail: true })?.code, 550);
});

test('check passes the envelope facts to mailauth and returns its header', async () => {
  let seen: AuthenticateOptions | undefined;
  const fake = async (_m: Readable, opts: AuthenticateOptions): Promise<AuthenticateResult> => {
    seen = opts;
    return { ...summary('fail', 'fail'), arc: false, headers: 'Authentication-Results: mx.petrel.test; dmarc=fail\r\n' };
  };
  const env = { sender: 'a@sender.test', client: { address: '192.0.2.1', port: 1, helo: 'c.test' } } as Envelope;
  const verdict = await new MailauthInbound(POLICY, async () => [], fake).check(env, Readable.from([]));
  assert.equal(verdict.header, 'Authentication-Results: mx.petrel.test; dmarc=fail\r\n');
  assert.equal(verdict.reject?.code, 550);
  assert.deepEqual([seen?.ip, seen?.helo, seen?.sender, seen?.mta, seen?.trustReceived], ['192.0.2.1', 'c.test', 'a@sender.test', 'mx.petrel.test', false]);
});
