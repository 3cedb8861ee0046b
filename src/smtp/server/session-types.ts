// The server session's state, inputs and effects: the vocabulary of the pure state machine in
// session.ts. The driver (connection.ts) turns effects into I/O and I/O into inputs.

import type { Credentials, SaslExchange } from '../sasl/index.js';
import type { Path } from '../wire/address.js';
import type { Reply } from '../wire/reply.js';
import type { AuthOutcome, Directory, Envelope, EnvelopeRecipient, ListenerRole } from './ports.js';

export interface TlsInfo {
  protocol: string;
  cipher: string;
}

/** An open mail transaction: MAIL accepted. `null` in state means none, so "MAIL twice" is a type question. */
export interface Transaction {
  sender: string;
  recipients: EnvelopeRecipient[];
  body: Envelope['body'];
  smtputf8: boolean;
  ret?: 'FULL' | 'HDRS';
  envid?: string;
  declaredSize?: number;
  /** Set once BDAT starts (DATA may then not be used) and while its chunks are being stored. */
  bdat: { bytes: number } | null;
}

export type Phase =
  | { kind: 'command' }
  | { kind: 'auth'; exchange: SaslExchange } // waiting for the client's next SASL line
  | { kind: 'auth-checking'; exchange: SaslExchange } // credentials handed to the Authenticator
  | { kind: 'auth-failing' } // bearer token refused: waiting for the client's acknowledgement
  | { kind: 'bdat'; last: boolean; rejection: Reply | null } // reading a chunk; reply once it is read
  | { kind: 'waiting' } // an effect is in progress; the driver feeds no lines
  | { kind: 'closed' };

export interface SessionState {
  phase: Phase;
  helo: { name: string; extended: boolean } | null;
  tls: TlsInfo | null;
  user: string | null;
  tx: Transaction | null;
  errors: number;
  authFailures: number;
}

export interface SessionConfig {
  hostname: string;
  role: ListenerRole;
  listener: string; // "address:port"
  maxRecipients: number;
  maxMessageSize: number;
  maxErrors: number;
  maxAuthFailures: number;
  authFailureDelayMs: number;
  mechanisms: readonly string[]; // offered once TLS is up (never on mx)
  tlsAvailable: boolean;
}

export interface ClientInfo {
  address: string;
  port: number;
}

/** Everything outside the session it may consult synchronously. */
export interface SessionContext {
  config: SessionConfig;
  client: ClientInfo;
  directory: Directory;
  now: () => number;
  nonce: () => string;
  /** True when this client IP has failed AUTH too often lately; recordAuthFailure counts one more. */
  ipAuthBlocked: () => boolean;
  recordAuthFailure: () => void;
}

export type SessionInput =
  | { type: 'line'; line: string }
  | { type: 'bad-line'; reason: 'too-long' | 'bare-newline' | 'invalid-utf8' }
  | { type: 'auth-checked'; outcome: AuthOutcome }
  | { type: 'tls-started'; tls: TlsInfo }
  | { type: 'data-end'; result: 'ok' | 'too-big' | 'bare-newline' }
  | { type: 'bdat-chunk-end' }
  | { type: 'stored'; id: string }
  | { type: 'store-failed' }
  | { type: 'refused'; reply: Reply } // a check before commit (DMARC, SPF) refused the message
  | { type: 'timeout' };

export type Effect =
  | { type: 'reply'; reply: Reply; uncounted?: true } // uncounted: not charged to the error budget
  | { type: 'flush' } // send the replies so far now: the end of a pipelined group (RFC 2920)
  | { type: 'start-tls' } // after the 220: drop buffered input, handshake, then feed tls-started
  | { type: 'receive-data'; envelope: Envelope } // open the message, read DATA, feed data-end
  // Read one chunk: keep=false discards it; an envelope opens the message first (the first chunk).
  | { type: 'receive-bdat'; size: number; keep: boolean; envelope: Envelope | null }
  | { type: 'check-auth'; credentials: Credentials } // feed auth-checked
  | { type: 'commit' } // make the open message durable, feed stored / store-failed / refused
  | { type: 'discard-message' }
  | { type: 'delay'; ms: number } // hold the next reply (AUTH failures)
  | { type: 'close' };

export type { Path };
