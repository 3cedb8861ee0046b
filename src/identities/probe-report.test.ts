// A probe's transcript into steps, the failing step and its fix, and the CLI text. Pure.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Outcome } from '../smtp/client/types.js';
import { buildReport, formatProbeReport, groupSteps, lastRefusal, type ProbeStep, type ProbeTarget, type TranscriptEntry } from './probe-report.js';

const C = (text: string): TranscriptEntry => ({ dir: 'C', text });
const S = (text: string): TranscriptEntry => ({ dir: 'S', text });
const I = (text: string): TranscriptEntry => ({ dir: 'info', text });

const target: ProbeTarget = { host: 'smtp.example', port: 587, tls: 'starttls', verify: true, user: 'u', password: 'p' };
const resolved: ProbeStep = { step: 'resolve', ok: true, replies: ['smtp.example: 192.0.2.1'] };
const outcome = (phase: Outcome['phase'], text: string, code = 454, enhanced = '4.7.0'): Outcome => ({ code, enhanced, text, remote: false, phase });

const upToTls = [
  I('connected to 192.0.2.1:587 (smtp.example)'),
  S('220 smtp.example ESMTP'),
  C('EHLO me.example'),
  S('250-smtp.example'),
  S('250 STARTTLS'),
  C('STARTTLS'),
  S('220 2.0.0 go ahead'),
  I('TLS established TLSv1.3 TLS_AES_256_GCM_SHA384; certificate for smtp.example verified'),
  C('EHLO me.example'),
  S('250-smtp.example'),
];

test('groupSteps: connect, greeting, one step per command; SASL answers and TLS events stay in theirs', () => {
  const lines = [...upToTls, S('250 AUTH LOGIN'), C('AUTH LOGIN'), S('334 VXNlcm5hbWU6'), C('<credentials hidden>'), S('334 UGFzc3dvcmQ6'), C('<credentials hidden>'), S('235 2.7.0 ok'), C('QUIT'), S('221 bye')];
  const groups = groupSteps(lines);
  assert.deepEqual(groups.map((g) => g.step), ['connect', 'greeting', 'ehlo', 'starttls', 'ehlo', 'auth', 'quit']);
  assert.equal(groups[3]!.lines.at(-1)?.dir, 'info');
  assert.equal(groups[5]!.lines.length, 6);
  const report = buildReport(target, resolved, lines, null);
  assert.ok(report.ok);
  assert.equal(report.transcript[0]?.text, 'smtp.example: 192.0.2.1', 'the resolve line opens the transcript');
  assert.deepEqual(report.steps.find((s) => s.step === 'starttls')?.replies, ['220 2.0.0 go ahead', 'TLS established TLSv1.3 TLS_AES_256_GCM_SHA384; certificate for smtp.example verified']);
});

test('lastRefusal: a multi-line refusal joined, its enhanced code apart; a success is none', () => {
  assert.deepEqual(lastRefusal(['334 x', '535-5.7.8 Username and Password not accepted. Learn more at', '535 5.7.8  https://support.google.com/mail/?p=BadCredentials - gsmtp']), {
    code: 535,
    enhanced: '5.7.8',
    text: 'Username and Password not accepted. Learn more at https://support.google.com/mail/?p=BadCredentials - gsmtp',
  });
  assert.deepEqual(lastRefusal(['554 go away']), { code: 554, text: 'go away' });
  assert.equal(lastRefusal(['250 ok']), undefined);
  assert.equal(lastRefusal(['connected to 192.0.2.1:25']), undefined);
  assert.equal(lastRefusal([]), undefined);
});

test('a refusal in the transcript: the step fails with the reply; the QUIT after it is not a step', () => {
  const lines = [...upToTls, S('250 AUTH PLAIN'), C('AUTH PLAIN <credentials hidden>'), S('535 5.7.8 Error: authentication failed'), C('QUIT')];
  const r = buildReport(target, resolved, lines, outcome('auth', 'authentication with PLAIN failed: 535 5.7.8 Error: authentication failed'));
  assert.equal(r.ok, false);
  assert.deepEqual(r.steps.map((s) => `${s.step}:${s.ok}`), ['resolve:true', 'connect:true', 'greeting:true', 'ehlo:true', 'starttls:true', 'ehlo:true', 'auth:false']);
  assert.deepEqual(r.steps.at(-1)?.replies, ['535 5.7.8 Error: authentication failed']);
  assert.match(r.steps.at(-1)?.fix ?? '', /refused the credentials/);
  assert.equal(r.transcript.at(-1)?.text, 'QUIT', 'the transcript keeps everything');
});

test('a failure the transcript does not show (AUTH not offered, a closed greeting) gets its own step with our diagnostic', () => {
  const noAuth = buildReport(target, resolved, [...upToTls, S('250 8BITMIME'), C('QUIT')], outcome('auth', 'authentication is configured but the host does not offer AUTH'));
  assert.deepEqual(noAuth.steps.at(-1), {
    step: 'auth',
    ok: false,
    replies: ['authentication is configured but the host does not offer AUTH'],
    fix: 'smtp.example:587 offers no AUTH: check that --relay-port is the submission port (587 or 465), not 25',
  });
  const closed = buildReport(target, resolved, [I('connected to 192.0.2.1:587')], outcome('greeting', 'connection closed by the peer while waiting for the greeting', 451, '4.4.2'));
  assert.deepEqual(closed.steps.map((s) => s.step), ['resolve', 'connect', 'greeting']);
  assert.equal(closed.steps[2]!.replies[0], 'connection closed by the peer while waiting for the greeting');
});

test('a TLS failure: the handshake error is the step reply once, not twice', () => {
  const text = 'TLS handshake with smtp.example[192.0.2.1]:587 failed: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)';
  const lines = [...upToTls.slice(0, 7), I(text)];
  const r = buildReport(target, resolved, lines, outcome('starttls', text, 454, '4.7.5'));
  assert.deepEqual(r.steps.at(-1)?.replies, ['220 2.0.0 go ahead', text]);
  assert.match(r.steps.at(-1)?.fix ?? '', /trusted CA/);
});

test('a resolve failure is the only step', () => {
  const r = buildReport(target, { step: 'resolve', ok: false, replies: ['cannot resolve smtp.example: ENOTFOUND'] }, [], null);
  assert.deepEqual(r.steps.map((s) => [s.step, s.ok, s.fix]), [['resolve', false, 'smtp.example does not resolve: check the spelling of --relay-host']]);
  assert.deepEqual(r.transcript, [I('cannot resolve smtp.example: ENOTFOUND')]);
});

test('formatProbeReport: a line per step, the fix under the failed one, then the transcript', () => {
  const lines = [I('connected to 192.0.2.1:587'), S('220 smtp.example ESMTP'), C('EHLO me.example'), S('250-smtp.example'), S('250 AUTH PLAIN'), C('AUTH PLAIN <credentials hidden>'), S('535 5.7.8 no')];
  const r = buildReport({ ...target, tls: 'none' }, resolved, lines, outcome('auth', 'authentication with PLAIN failed: 535 5.7.8 no'));
  assert.equal(
    formatProbeReport(r),
    [
      'ok   resolve   smtp.example: 192.0.2.1',
      'ok   connect   connected to 192.0.2.1:587',
      'ok   greeting  220 smtp.example ESMTP',
      'ok   ehlo      250-smtp.example ...',
      'FAIL auth      535 5.7.8 no',
      'fix: the server refused the credentials: check --relay-user and the password (petrel identity add ... --relay-password-stdin to set it again)',
      '',
      'transcript:',
      '  *  smtp.example: 192.0.2.1',
      '  *  connected to 192.0.2.1:587',
      '  S: 220 smtp.example ESMTP',
      '  C: EHLO me.example',
      '  S: 250-smtp.example',
      '  S: 250 AUTH PLAIN',
      '  C: AUTH PLAIN <credentials hidden>',
      '  S: 535 5.7.8 no',
      '',
    ].join('\n'),
  );
  const good = formatProbeReport(buildReport(target, resolved, [...upToTls.slice(0, 5), C('QUIT'), S('221 bye')], null));
  assert.ok(!good.includes('transcript') && !good.includes('FAIL'));
  assert.match(good, /^ok   quit      221 bye$/m);
});
