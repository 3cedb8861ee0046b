// Helpers shared by the queue tests: throw-away data directories and envelopes. Not used by
// production code; failures throw like the fs calls they wrap.
import type { Envelope } from '../smtp/server/ports.js';
import { makeTempStore, type TempStore } from '../store/testkit.js';

export type TestStore = TempStore;

/** A throw-away data directory with an open database (the store tests' helper). */
export const makeTestStore = (): TestStore => makeTempStore();

export function makeEnvelope(overrides: Partial<Envelope> = {}): Envelope {
  return {
    sender: 'alice@example.org',
    recipients: [
      { address: 'bob@example.net', notify: ['SUCCESS', 'FAILURE'], orcpt: 'rfc822;bob@example.net' },
      { address: 'carol@example.net' },
    ],
    body: '8BITMIME',
    smtputf8: false,
    authUser: 'alice',
    client: { address: '192.0.2.7', port: 40000, helo: 'client.example.org' },
    tls: null,
    role: 'submission',
    listener: '127.0.0.1:587',
    receivedAt: Date.now(),
    ...overrides,
  };
}

/** Deterministic body bytes, so a reader can tell a message's body from any other's. */
export function patternedBody(size: number, seed: number): Buffer {
  const body = Buffer.alloc(size);
  for (let i = 0; i < size; i++) body[i] = 0x41 + ((i + seed) % 26);
  return body;
}

/** The body the crash fixture writes for message number `seq`: every third one spills to the spool. */
export function crashFixtureBody(seq: number): Buffer {
  return patternedBody(seq % 3 === 0 ? 200 * 1024 : 1024, seq);
}
export const CRASH_FIXTURE_MEMORY_LIMIT = 64 * 1024;
