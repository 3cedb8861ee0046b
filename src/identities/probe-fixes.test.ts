// The fix table: provider advice for Gmail and Microsoft 365, the generic fixes per step, and a fix
// for anything at all. Pure.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixFor, providerOf, type FailureFacts, type ProbeStepName } from './probe-fixes.js';

const base = { host: 'relay.example', port: 587, tls: 'starttls' as const, provider: null };
const fix = (f: Partial<FailureFacts> & { step: ProbeStepName }) => fixFor({ ...base, detail: '', ...f });
const authRefused = (code: number, enhanced: string, text: string, provider: FailureFacts['provider'] = null, mech = 'PLAIN') =>
  fix({ step: 'auth', provider, reply: { code, enhanced, text }, detail: `authentication with ${mech} failed: ${code} ${enhanced} ${text}` });

test('Gmail 535 5.7.8: app password or XOAUTH2, with the help page', () => {
  assert.equal(
    authRefused(535, '5.7.8', 'Username and Password not accepted.', 'google'),
    'Google refused the user/password: use an app password (2-Step Verification on) or XOAUTH2; https://support.google.com/mail/answer/185833',
  );
  assert.match(authRefused(534, '5.7.9', 'Application-specific password required.', 'google'), /app password/);
  assert.match(authRefused(534, '5.7.14', 'Please log in via your web browser', 'google'), /sign in once from a browser/);
});

test('Microsoft 535 5.7.139 and 5.7.3: SMTP AUTH is disabled, enable Authenticated SMTP', () => {
  const disabled = 'SMTP AUTH is disabled for this mailbox or tenant: enable Authenticated SMTP in the Microsoft 365 admin center (or use OAuth)';
  assert.equal(authRefused(535, '5.7.139', 'Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.', 'microsoft'), disabled);
  assert.ok(authRefused(535, '5.7.3', 'Authentication unsuccessful', 'microsoft').startsWith(disabled));
  assert.match(authRefused(535, '5.7.139', 'Authentication unsuccessful, basic authentication is disabled.', 'microsoft'), /Security Defaults/);
});

test('a generic 535 (or a provider code elsewhere): check the user and password', () => {
  const generic = 'the server refused the credentials: check --relay-user and the password (petrel identity add ... --relay-password-stdin to set it again)';
  assert.equal(authRefused(535, '5.7.8', 'Error: authentication failed'), generic);
  assert.equal(authRefused(535, '5.7.139', 'whatever', null), generic, 'a Microsoft code from another host is not Microsoft advice');
});

test('XOAUTH2 refused: the token, with the provider scope', () => {
  assert.match(authRefused(535, '5.7.8', 'Username and Password not accepted.', 'google', 'XOAUTH2'), /https:\/\/mail\.google\.com\//);
  assert.match(authRefused(535, '5.7.3', 'Authentication unsuccessful', 'microsoft', 'XOAUTH2'), /SMTP\.Send/);
  assert.match(authRefused(535, '5.7.8', 'no', null, 'XOAUTH2'), /OAuth2 access token/);
});

test('connect: refused, timeout, unreachable', () => {
  assert.equal(fix({ step: 'connect', detail: 'connect to [192.0.2.1]:587 failed: ECONNREFUSED' }), 'nothing listens on relay.example:587: check --relay-host/--relay-port');
  assert.match(fix({ step: 'connect', detail: 'timeout after 10 s connecting to relay.example[192.0.2.1]:587' }), /^no answer from relay\.example:587: .*firewall/);
  assert.match(fix({ step: 'connect', detail: 'connect to [2001:db8::1]:587 failed: ENETUNREACH' }), /no route/);
});

test('TLS: certificate name, trust, expiry, protocol; at connect (implicit) or STARTTLS', () => {
  const tls = (step: ProbeStepName, why: string) => fix({ step, detail: `TLS handshake with relay.example[192.0.2.1]:587 failed: ${why}` });
  assert.match(tls('starttls', "Hostname/IP does not match certificate's altnames: Host: x. is not in the cert's altnames: DNS:y (ERR_TLS_CERT_ALTNAME_INVALID)"), /^the certificate of relay\.example:587 is not for relay\.example: give --relay-host/);
  assert.match(tls('connect', 'self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)'), /not signed by a trusted CA.*caFiles/);
  assert.match(fix({ step: 'starttls', host: '192.0.2.1', servername: 'relay.example', detail: 'TLS handshake with [192.0.2.1]:587 failed: self-signed certificate' }), /^the certificate of relay\.example is not signed/);
  assert.match(tls('starttls', 'unable to get local issuer certificate (UNABLE_TO_GET_ISSUER_CERT_LOCALLY)'), /trusted CA/);
  assert.match(tls('starttls', 'certificate has expired (CERT_HAS_EXPIRED)'), /expired/);
  assert.match(tls('connect', 'wrong version number (ERR_SSL_WRONG_VERSION_NUMBER)'), /--relay-tls/);
  assert.match(tls('starttls', 'connection closed'), /^the TLS handshake with relay\.example:587 failed: check --relay-tls .* certificate/);
  assert.match(fix({ step: 'connect', port: 465, tls: 'implicit', detail: 'timeout after 10 s connecting with [192.0.2.1]:465' }), /TLS handshake .* got no answer/);
});

test('STARTTLS not offered or refused; AUTH not offered; no usable mechanism', () => {
  assert.match(fix({ step: 'starttls', detail: 'TLS is required but relay.example[192.0.2.1]:587 does not offer STARTTLS' }), /does not offer STARTTLS: .*implicit/);
  assert.match(fix({ step: 'starttls', reply: { code: 454, enhanced: '4.7.0', text: 'TLS not available' }, detail: 'TLS is required but x refused STARTTLS: 454 4.7.0 TLS not available' }), /refused STARTTLS/);
  assert.match(fix({ step: 'auth', detail: 'authentication is configured but the host does not offer AUTH' }), /offers no AUTH: check that --relay-port is the submission port/);
  assert.match(fix({ step: 'auth', tls: 'none', detail: 'authentication is configured but the host does not offer AUTH' }), /without TLS/);
  assert.match(fix({ step: 'auth', detail: 'no usable authentication mechanism: the host offers GSSAPI NTLM' }), /offers AUTH GSSAPI NTLM, none of which/);
});

test('greeting: silence (implicit TLS port spoken to in plaintext?), refusal; 421 anywhere', () => {
  assert.match(fix({ step: 'greeting', port: 465, detail: 'timeout after 30 s waiting for the greeting' }), /--relay-tls implicit/);
  assert.match(fix({ step: 'greeting', reply: { code: 554, enhanced: '5.7.1', text: 'blocked' }, detail: '' }), /IP address is allowed/);
  assert.match(fix({ step: 'ehlo', reply: { code: 421, enhanced: '4.7.0', text: 'try later' }, detail: '' }), /closing the connection \(421\)/);
});

test('resolve: a name that does not exist, and a resolver that does not answer', () => {
  assert.equal(fix({ step: 'resolve', host: 'smtp.gmial.com', detail: 'cannot resolve smtp.gmial.com: ENOTFOUND' }), 'smtp.gmial.com does not resolve: check the spelling of --relay-host');
  assert.match(fix({ step: 'resolve', detail: 'cannot resolve relay.example: EAI_AGAIN' }), /DNS resolver/);
});

test('every step gets a fix, whatever the facts', () => {
  for (const step of ['resolve', 'connect', 'greeting', 'ehlo', 'starttls', 'auth', 'quit'] as const) {
    for (const detail of ['', 'something odd', 'connection closed by the peer while waiting for the EHLO reply', 'timeout after 1 s waiting for the AUTH reply']) {
      const f = fix({ step, detail });
      assert.ok(f.length > 10 && !f.includes('\n') && !f.includes('undefined'), `${step} / ${detail}: ${f}`);
    }
  }
  assert.match(fix({ step: 'ehlo', reply: { code: 451, text: 'odd' }, detail: 'x' }), /^ehlo failed \(451 odd\)/);
});

test('providerOf: by host name, else by the greeting', () => {
  assert.equal(providerOf('smtp.gmail.com'), 'google');
  assert.equal(providerOf('smtp-relay.gmail.com'), 'google');
  assert.equal(providerOf('smtp.office365.com'), 'microsoft');
  assert.equal(providerOf('smtp-mail.outlook.com'), 'microsoft');
  assert.equal(providerOf('192.0.2.1', '220 smtp.gmail.com ESMTP a1-20020a - gsmtp'), 'google');
  assert.equal(providerOf('192.0.2.1', '220 AM0PR02CA0001.outlook.office365.com Microsoft ESMTP MAIL Service ready'), 'microsoft');
  assert.equal(providerOf('notgmail.com.example'), null);
  assert.equal(providerOf('relay.example', '220 relay.example ESMTP Postfix'), null);
});
