// The boundary of the SMTP client: how delivery opens a session to one host and hands it messages,
// and the outcome it gets back for every recipient. Nothing here throws for a remote failure: every
// failure, ours or the peer's, becomes an Outcome with a code class that says defer (4) or bounce (5).
import type { Readable } from 'node:stream';

/** Where the session was when something happened; keys of the timeout table. */
export type Phase =
  | 'connect'
  | 'greeting'
  | 'ehlo'
  | 'helo'
  | 'starttls'
  | 'auth'
  | 'mail'
  | 'rcpt'
  | 'data'
  | 'data-block'
  | 'data-end'
  | 'rset'
  | 'quit';

/** Milliseconds per phase (RFC 5321 §4.5.3.2 defaults in DEFAULT_TIMEOUTS, timeouts.ts). */
export type ClientTimeouts = Record<Phase, number>;

/**
 * The result for one recipient (or for the whole session when it could not be set up).
 * `code` is the peer's reply code, or a synthetic one for local failures: 4xx for anything that
 * may work later (timeouts, refused connections, TLS failures), 5xx for what never will (the
 * message is too big for the peer's SIZE, needs SMTPUTF8 the peer lacks).
 */
export interface Outcome {
  code: number;
  enhanced: string; // always set: the peer's, or derived from the code class and phase
  text: string; // the peer's reply text (lines joined by a space) or our diagnostic
  remote: boolean; // true when code and text came from the peer
  phase: Phase;
  /** A timeout or disconnect after the final dot: the peer may have accepted it. */
  mayBeDuplicate?: boolean;
}

/** TLS for a session. */
export interface ClientTls {
  /**
   * none: never STARTTLS; opportunistic: STARTTLS when offered, plaintext otherwise, certificate
   * not verified (a handshake that fails is a 4.7.5 outcome: retry with 'none' to fall back to
   * plaintext); required: STARTTLS must succeed (else 4xx outcome); implicit: TLS from connect (465).
   */
  mode: 'none' | 'opportunistic' | 'required' | 'implicit';
  /** Verify the certificate chain and that it names `servername`; a failure is a 4xx outcome. */
  verify: boolean;
  /** SNI and the name the certificate must match; also used when verify is false for SNI only. */
  servername?: string;
  /** Extra trusted CA certificates (PEM), added to Node's default roots. */
  ca?: string[];
  /** Names any of which the certificate may match instead of servername (MTA-STS mx patterns). */
  matchNames?: (certNames: string[]) => boolean;
}

export interface ClientAuth {
  user: string;
  /** For PLAIN, LOGIN, CRAM-MD5. */
  password?: string;
  /** For XOAUTH2: returns a fresh access token; called once per AUTH attempt. */
  token?: () => Promise<string>;
  /** Called by delivery (not the client) after the server refused a token, to force a refresh. */
  invalidate?: () => void;
  /** Mechanisms we may use, in order of preference; the first one the server offers is used. */
  mechanisms?: Array<'XOAUTH2' | 'CRAM-MD5' | 'PLAIN' | 'LOGIN'>;
}

export interface ConnectOptions {
  /** An IP address (we never resolve names here; routing already did). */
  host: string;
  port: number;
  /** The MX or smarthost name we are connecting to, for diagnostics and TLS SNI defaults. */
  hostname?: string;
  /** Bind the outgoing socket to this local address. */
  localAddress?: string;
  /** Our EHLO/HELO name. */
  helo: string;
  tls: ClientTls;
  auth?: ClientAuth;
  timeouts?: Partial<ClientTimeouts>;
  /**
   * Called for every line sent (C: AUTH credentials shown as "<credentials hidden>"), every reply
   * line read (S), and local events (info: connected, TLS established, certificate and handshake
   * errors); lines without CRLF, message bodies never. Nothing is built when it is absent.
   * @example transcript: (l) => console.error(`${l.dir} ${l.text}`)
   */
  transcript?: (line: TranscriptLine) => void;
}

/** One transcript entry. */
export interface TranscriptLine {
  dir: 'C' | 'S' | 'info';
  text: string;
  /** Numbers the socket writes: C lines sent in one pipelined group share it; S and info carry the last one. */
  write: number;
}

/** What the peer told us about itself, after EHLO (and again after STARTTLS). */
export interface SessionInfo {
  greeting: string;
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  /** Upper-case keyword → parameters, e.g. SIZE → ['35882577']; empty after a HELO fallback. */
  extensions: Map<string, string[]>;
  tls: { protocol: string; cipher: string; authorized: boolean; authorizationError?: string } | null;
  authenticated: boolean;
}

export interface OutgoingRecipient {
  address: string;
  notify?: string[]; // RFC 3461 NOTIFY values
  orcpt?: string; // "rfc822;addr"
}

export interface OutgoingMessage {
  sender: string; // "" for the null reverse-path
  recipients: OutgoingRecipient[];
  /** Exact size in bytes of the body stream (the RFC 5322 message, CRLF line ends). */
  size: number;
  /** Opens the body; may be called more than once (one per attempt). */
  body: () => Readable;
  /** The same body when it is in memory: DATA then goes out without a stream. */
  data?: Buffer;
  bodyType: '7BIT' | '8BITMIME' | 'BINARYMIME';
  smtputf8: boolean;
  ret?: 'FULL' | 'HDRS';
  envid?: string;
}

/** The outcome of one transaction: one Outcome per recipient, in the order given. */
export interface TransactionResult {
  recipients: Outcome[];
  /** The reply to the end of data (or last BDAT), when the transaction got that far. */
  data?: Outcome;
  /** Transcript-level facts for the attempt log. */
  pipelined: boolean;
  chunking: boolean;
}
