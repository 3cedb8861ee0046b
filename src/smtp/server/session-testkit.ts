// A test driver for the pure SMTP session: a fake directory and credentials, and a harness that feeds
// lines in and answers each effect as connection.ts would. Not used by production code.

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { Credentials } from '../sasl/index.js';
import type { Reply } from '../wire/reply.js';
import type { AuthOutcome, Directory, RecipientVerdict } from './ports.js';
import { greeting, handle, initialState } from './session.js';
import type { Effect, SessionConfig, SessionContext, SessionInput, SessionState, TlsInfo } from './session-types.js';

export const TEST_TLS: TlsInfo = { protocol: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256' };
export const TEST_NONCE = 'n0nce';
export const TEST_NOW = Date.UTC(2031, 0, 2, 3, 4, 5);

/** Session limits small enough to reach in a test; override what a test is about. */
export function testConfig(overrides: Partial<SessionConfig> = {}): SessionConfig {
  return {
    hostname: 'mx.example.test',
    role: 'mx',
    listener: '127.0.0.1:25',
    maxRecipients: 100,
    maxMessageSize: 10_000,
    maxErrors: 20,
    maxAuthFailures: 3,
    authFailureDelayMs: 1000,
    mechanisms: ['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2', 'OAUTHBEARER'],
    tlsAvailable: true,
    ...overrides,
  };
}

/**
 * A directory of fixed addresses. `local` maps a local domain to its mailboxes; `senders` maps a
 * user to the addresses it may send as.
 */
export function fakeDirectory(
  local: Record<string, string[]> = { 'example.test': ['alice', 'bob', 'postmaster'] },
  senders: Record<string, string[]> = { alice: ['alice@example.test'] },
): Directory {
  return {
    recipient(address: string): RecipientVerdict {
      const at = address.lastIndexOf('@');
      const mailboxes = local[address.slice(at + 1)];
      if (mailboxes === undefined) return 'not-local';
      return mailboxes.includes(address.slice(0, at)) ? 'accept' : 'unknown-user';
    },
    maySendAs: (user, address) => (senders[user] ?? []).includes(address),
  };
}

export const CRAM_SECRET = 'secret';

/** Checks credentials as an Authenticator would: alice/secret, bearer token "good-token". */
export function fakeAuth(c: Credentials): AuthOutcome {
  if (c.kind === 'password') return c.user === 'alice' && c.password === 'secret' ? { ok: true, user: 'alice' } : { ok: false };
  if (c.kind === 'token') return c.user === 'alice' && c.token === 'good-token' ? { ok: true, user: 'alice' } : { ok: false };
  const digest = createHmac('md5', CRAM_SECRET).update(c.challenge).digest('hex');
  return c.user === 'alice' && c.digest === digest ? { ok: true, user: 'alice' } : { ok: false };
}

export interface TestContext extends SessionContext {
  authFailuresRecorded: number;
  blocked: boolean;
}

export function testContext(config: Partial<SessionConfig> = {}, directory = fakeDirectory()): TestContext {
  const ctx: TestContext = {
    config: testConfig(config),
    client: { address: '192.0.2.9', port: 40123 },
    directory,
    now: () => TEST_NOW,
    nonce: () => TEST_NONCE,
    ipAuthBlocked: () => ctx.blocked,
    recordAuthFailure: () => void ctx.authFailuresRecorded++,
    authFailuresRecorded: 0,
    blocked: false,
  };
  return ctx;
}

export interface HarnessOptions {
  config?: Partial<SessionConfig>;
  directory?: Directory;
  /** TLS already up when the session starts (the submissions role). */
  tls?: TlsInfo | null;
  /** How to answer check-auth. */
  auth?: (c: Credentials) => AuthOutcome;
  /** What the body reader reports after receive-data; 'manual' leaves the body to the test. */
  dataResult?: 'ok' | 'too-big' | 'bare-newline' | 'manual';
  /** Whether commit succeeds. */
  store?: 'ok' | 'fail';
}

/**
 * Drives one session the way connection.ts does, synchronously: every effect is answered with the
 * input the driver would feed back. `send` returns the replies caused by one line.
 */
export class SessionHarness {
  readonly state: SessionState;
  readonly ctx: TestContext;
  readonly effects: Effect[] = [];
  readonly replies: Reply[] = [];
  readonly stored: string[] = [];
  /** Set by a receive-data effect when dataResult is 'manual'; the test feeds data-end itself. */
  awaitingData = false;
  private seq = 0;

  constructor(private readonly o: HarnessOptions = {}) {
    this.ctx = testContext(o.config, o.directory);
    this.state = initialState(o.tls ?? null);
  }

  greet(): Reply[] {
    return this.apply(greeting(this.ctx));
  }

  send(line: string): Reply[] {
    return this.input({ type: 'line', line });
  }

  /** Send each line; return the codes of all the replies they caused. */
  codes(...lines: string[]): number[] {
    return lines.flatMap((l) => this.send(l).map((r) => r.code));
  }

  input(first: SessionInput): Reply[] {
    const start = this.replies.length;
    const queue: SessionInput[] = [first];
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      for (const feedback of this.run(handle(this.state, next, this.ctx))) queue.push(feedback);
    }
    return this.replies.slice(start);
  }

  get closed(): boolean {
    return this.state.phase.kind === 'closed';
  }

  /** Effects of one type, in order. */
  ofType<T extends Effect['type']>(type: T): Extract<Effect, { type: T }>[] {
    return this.effects.filter((e): e is Extract<Effect, { type: T }> => e.type === type);
  }

  private apply(effects: Effect[]): Reply[] {
    const start = this.replies.length;
    this.run(effects);
    return this.replies.slice(start);
  }

  /** Record effects; return the inputs the driver would feed back, in order. */
  private run(effects: Effect[]): SessionInput[] {
    const feedback: SessionInput[] = [];
    for (const e of effects) {
      this.effects.push(e);
      const next = this.answer(e);
      if (next) feedback.push(next);
    }
    return feedback;
  }

  private answer(e: Effect): SessionInput | null {
    switch (e.type) {
      case 'reply':
        this.replies.push(e.reply);
        return null;
      case 'receive-data':
        if (this.o.dataResult === 'manual') {
          this.awaitingData = true;
          return null;
        }
        return { type: 'data-end', result: this.o.dataResult ?? 'ok' };
      case 'receive-bdat':
        return { type: 'bdat-chunk-end' };
      case 'commit':
        return this.commit();
      case 'check-auth':
        return { type: 'auth-checked', outcome: (this.o.auth ?? fakeAuth)(e.credentials) };
      case 'start-tls':
        return { type: 'tls-started', tls: TEST_TLS };
      default:
        return null;
    }
  }

  private commit(): SessionInput {
    if (this.o.store === 'fail') return { type: 'store-failed' };
    const id = `Q${++this.seq}`;
    this.stored.push(id);
    return { type: 'stored', id };
  }
}

/** base64 of a string, for AUTH lines. */
export const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

// Scenario helpers shared by the session test files.
/** "code enhanced" of a reply, e.g. "550 5.7.1". */
export const tag = (r: Reply | undefined): string => (r ? `${r.code}${r.enhanced ? ` ${r.enhanced}` : ''}` : 'none');
export const tags = (rs: Reply[]): string[] => rs.map(tag);

/** A session greeted and past EHLO. */
export function ready(o: HarnessOptions = {}, ehlo = 'EHLO client.example.test'): SessionHarness {
  const h = new SessionHarness(o);
  h.greet();
  h.send(ehlo);
  return h;
}

export const mx = (o: HarnessOptions = {}) => ready({ ...o, config: { role: 'mx', ...o.config } });
export const submission = (o: HarnessOptions = {}) => ready({ ...o, config: { role: 'submission', listener: '0.0.0.0:587', ...o.config } });
/** Submission inside TLS (after STARTTLS or on the submissions port), not yet authenticated. */
export const secure = (o: HarnessOptions = {}) => ready({ tls: TEST_TLS, ...o, config: { role: 'submissions', listener: '0.0.0.0:465', ...o.config } });

/** Submission inside TLS and authenticated as alice. */
export function authed(o: HarnessOptions = {}): SessionHarness {
  const h = secure(o);
  assert.deepEqual(tags(h.send(`AUTH PLAIN ${b64('\0alice\0secret')}`)), ['235 2.7.0']);
  return h;
}

/** The one reply of one line. */
export function one(h: SessionHarness, line: string): string {
  const rs = h.send(line);
  assert.equal(rs.length, 1, `${line}: ${tags(rs).join(', ')}`);
  return tag(rs[0]);
}

export const ehloLines = (h: SessionHarness) => {
  const r = h.send('EHLO again.example.test')[0]!;
  assert.equal(r.code, 250);
  return r.lines;
};

