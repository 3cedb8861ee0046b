// Relaying through a provider: transport overrides send some domains to a smarthost — here a second
// Petrel's submission listeners — with a verified certificate and AUTH: a password over STARTTLS on
// 587, AUTH LOGIN over implicit TLS on 465, and XOAUTH2 with a token from an OAuth2 endpoint.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { attemptsOf, eventually, messagesWhere, submit, untilRecipients } from '../kit/delivery.js';
import { startDnsServer, type TestDnsServer } from '../kit/dns-server.js';
import { tag } from '../kit/mail.js';
import { startTokenServer, type TokenServer } from '../kit/oauth-server.js';
import { HOSTNAME } from '../kit/config.js';
import { ALICE, startPetrel, type Petrel } from '../kit/petrel.js';
import { readStoredBody } from '../kit/store.js';

describe('smarthost relay with AUTH', () => {
  let dns: TestDnsServer;
  let oauth: TokenServer;
  let relay: Petrel;
  let a: Petrel;

  before(async () => {
    relay = await startPetrel();
    dns = await startDnsServer({ [HOSTNAME]: { A: ['127.0.0.1'] } });
    oauth = await startTokenServer({ clientId: 'petrel-client', clientSecret: 'client-secret', refreshToken: 'refresh-1', accessToken: ALICE.token, expiresIn: 3600 });
    const to = (domain: string, extra: Record<string, unknown>) => ({ domain, host: HOSTNAME, verify: true, ...extra });
    a = await startPetrel({
      dns: { servers: [dns.server] },
      delivery: {
        enabled: true,
        pollIntervalMs: 200,
        tls: { caFiles: [relay.caPath] },
        transports: [
          to('password.test', { port: relay.ports.submission, tls: 'starttls', auth: { user: ALICE.user, password: ALICE.password } }),
          to('implicit.test', { port: relay.ports.submissions, tls: 'implicit', auth: { user: ALICE.user, passwordEnv: 'PETREL_TEST_RELAY_PASSWORD', mechanisms: ['LOGIN'] } }),
          to('oauth.test', { port: relay.ports.alt, tls: 'starttls', auth: { user: ALICE.user, mechanisms: ['XOAUTH2'], oauth: { tokenUrl: oauth.url, clientId: 'petrel-client', clientSecretEnv: 'PETREL_TEST_CLIENT_SECRET', refreshToken: 'refresh-1' } } }),
          to('wrong-password.test', { port: relay.ports.submission, tls: 'starttls', auth: { user: ALICE.user, password: 'not-it' } }),
        ],
      },
      env: { PETREL_TEST_RELAY_PASSWORD: ALICE.password, PETREL_TEST_CLIENT_SECRET: 'client-secret' },
    });
  });

  after(async () => {
    await Promise.allSettled([a?.dispose(), relay?.dispose(), dns?.close(), oauth?.close()]);
  });

  /** The relay queued the message (outbound, as alice) once: returns its envelope's authUser and TLS. */
  async function relayed(subject: string) {
    const m = await eventually(() => messagesWhere(relay, "direction = 'outbound'").find((x) => readStoredBody(relay.dataDir, x.id).includes(subject)), () => `not relayed: ${subject}`);
    const detail = await relay.queueShow(m.id);
    return { authUser: detail.envelope.authUser, tls: detail.envelope.tls, listener: detail.envelope.listener };
  }

  for (const [domain, listener, mechanism] of [
    ['password.test', 'submission', 'PLAIN'],
    ['implicit.test', 'submissions', 'LOGIN'],
    ['oauth.test', 'submission-alt', 'XOAUTH2'],
  ] as const) {
    test(`${domain}: relayed over verified TLS with AUTH ${mechanism}`, async () => {
      const subject = tag(domain);
      const id = await submit(a, { to: [`someone@${domain}`], subject });
      await untilRecipients(a, id, ['delivered']);
      const [attempt] = attemptsOf(a, id);
      assert.equal(attempt?.route, 'transport');
      assert.equal(attempt?.mx, HOSTNAME);
      assert.match(attempt?.tls ?? '', /^TLSv1\.[23]$/);
      const seen = await relayed(subject);
      assert.equal(seen.authUser, ALICE.user);
      assert.ok(seen.tls, 'the relay saw TLS');
      assert.match(seen.listener, new RegExp(`:${listener === 'submission' ? relay.ports.submission : listener === 'submissions' ? relay.ports.submissions : relay.ports.alt}$`));
    });
  }

  test('the XOAUTH2 token came from the OAuth2 endpoint with the refresh token', () => {
    assert.ok(oauth.requests.length >= 1);
    assert.equal(oauth.requests[0]?.['grant_type'], 'refresh_token');
    assert.equal(oauth.requests[0]?.['refresh_token'], 'refresh-1');
    assert.equal(oauth.requests[0]?.['client_secret'], 'client-secret');
  });

  test('a wrong relay password defers the mail instead of bouncing it', async () => {
    const id = await submit(a, { to: ['x@wrong-password.test'], subject: tag('badauth') });
    const [row] = await untilRecipients(a, id, ['deferred']);
    assert.ok(row!.lastCode! >= 400 && row!.lastCode! < 500, JSON.stringify(row));
    assert.match(row?.lastText ?? '', /535/);
  });
});
