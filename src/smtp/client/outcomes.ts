// Turns the peer's replies and our own failures into per-recipient Outcomes, with an enhanced code
// always set and always of the reply's class. Pure; nothing here throws.
import type { Reply } from '../wire/reply.js';
import type { Outcome, Phase } from './types.js';

/** A failure of ours or of the connection, as the driver reports it. */
export interface Failure {
  kind: 'connect' | 'timeout' | 'closed' | 'protocol' | 'tls' | 'local';
  phase: Phase;
  text: string;
}

const ENHANCED = /^([245])\.\d{1,3}\.\d{1,3}$/;

/** RFC 5321 §4.2.3 syntax and sequence replies map to RFC 3463 X.5.x; the rest is X.0.0. */
const BY_CODE: Record<number, string> = { 500: '5.5.2', 501: '5.5.4', 502: '5.5.1', 503: '5.5.1', 504: '5.5.4', 555: '5.5.4' };

/**
 * The enhanced code for a reply that carries none, from its code and the phase; its class is
 * always the code's class (a 5.x.x on a 4xx reply would make the sender bounce a deferral).
 * @example deriveEnhanced(452, 'rcpt') === '4.5.3'
 */
export function deriveEnhanced(code: number, phase: Phase): string {
  const cls = Math.floor(code / 100);
  if (cls < 2 || cls > 5 || cls === 3) return cls === 3 ? '2.0.0' : '4.0.0';
  const known = BY_CODE[code];
  if (known) return known;
  if (code === 452 && phase === 'rcpt') return '4.5.3'; // too many recipients (RFC 5321 §4.5.3.1.10)
  if (code === 552 && (phase === 'data-end' || phase === 'data-block')) return '5.3.4';
  return `${cls}.0.0`;
}

/** `enhanced` when it is well-formed and of the code's class, else the derived one. */
export function checkedEnhanced(code: number, enhanced: string | null | undefined, phase: Phase): string {
  const m = enhanced ? ENHANCED.exec(enhanced) : null;
  return m && Number(m[1]) === Math.floor(code / 100) ? enhanced! : deriveEnhanced(code, phase);
}

/** The reply text as one line: its lines joined by a space. */
export const replyText = (r: Reply): string => r.lines.join(' ').trim();

/** The reply quoted for a diagnostic, e.g. "535 5.7.8 Bad credentials". */
export const quote = (r: Reply): string => [String(r.code), r.enhanced, replyText(r)].filter(Boolean).join(' ');

/** The peer's reply as an outcome. */
export function fromReply(r: Reply, phase: Phase): Outcome {
  return { code: r.code, enhanced: checkedEnhanced(r.code, r.enhanced, phase), text: replyText(r), remote: true, phase };
}

/**
 * The peer's reply to a command it did not carry out. A reply below 400 where another was expected
 * (a 250 greeting, 250 to DATA, 3xx to RCPT) is a protocol error and a deferral: passing it on would
 * let a misbehaving host mark mail delivered that it never took.
 */
export function refusal(r: Reply, phase: Phase): Outcome {
  if (r.code >= 400) return fromReply(r, phase);
  return local(451, '4.5.0', `unexpected reply to ${phase}: ${quote(r)}`, phase);
}

/** An outcome we made up; an enhanced code of the wrong class is replaced, never trusted. */
export function local(code: number, enhanced: string, text: string, phase: Phase): Outcome {
  return { code, enhanced: checkedEnhanced(code, enhanced, phase), text, remote: false, phase };
}

const DUPLICATE = 'message may be delivered twice';

/** A connection failure as a deferral; after the end of data the peer may already have the message. */
export function fromFailure(f: Failure, afterEnd = false): Outcome {
  const o =
    f.kind === 'connect' ? local(451, '4.4.1', f.text, f.phase)
    : f.kind === 'tls' ? local(454, '4.7.5', f.text, f.phase)
    : f.kind === 'local' ? local(451, '4.3.0', f.text, f.phase)
    : f.kind === 'protocol' ? local(451, '4.5.0', f.text, f.phase)
    : local(451, '4.4.2', f.text, f.phase); // timeout or disconnect
  return afterEnd ? { ...o, text: `${o.text}: ${DUPLICATE}`, mayBeDuplicate: true } : o;
}

/** A 421 (the peer is closing): a deferral with the peer's text; after the end of data, maybe a duplicate. */
export function from421(r: Reply, phase: Phase, afterEnd = false): Outcome {
  const o = fromReply(r, phase);
  return afterEnd ? { ...o, text: `${o.text} (${DUPLICATE})`, mayBeDuplicate: true } : o;
}

/** Per-recipient outcomes as a transaction learns them; accepted recipients wait for the data reply. */
export class Tally {
  private readonly outcomes: Array<Outcome | undefined>;
  private readonly acceptedSet = new Set<number>();

  constructor(readonly size: number) {
    this.outcomes = new Array<Outcome | undefined>(size).fill(undefined);
  }

  set(i: number, o: Outcome): void {
    this.outcomes[i] = o;
  }

  accept(i: number): void {
    this.acceptedSet.add(i);
  }

  get accepted(): number {
    return this.acceptedSet.size;
  }

  /** Every recipient still without an outcome gets `o`; accepted ones too, as nothing was delivered. */
  settleRest(o: Outcome): void {
    for (let i = 0; i < this.size; i++) if (this.outcomes[i] === undefined) this.outcomes[i] = o;
  }

  /** Accepted recipients get the outcome of the end of data. */
  settleAccepted(o: Outcome): void {
    for (const i of this.acceptedSet) if (this.outcomes[i] === undefined) this.outcomes[i] = o;
  }

  /** One outcome per recipient; any left open (a bug) defers rather than vanishes. */
  result(phase: Phase): Outcome[] {
    return this.outcomes.map((o) => (o ? { ...o } : local(451, '4.3.0', 'no outcome recorded', phase)));
  }
}
