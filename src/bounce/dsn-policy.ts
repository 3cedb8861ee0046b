// Whether a delivery status notification is wanted for one recipient (RFC 3461 §4.1 NOTIFY).
// Pure and total: unknown NOTIFY keywords are ignored, never thrown on.

/** The three events a DSN can report. */
export type DsnKind = 'failure' | 'delay' | 'success';

const KEYWORD: Record<DsnKind, string> = { failure: 'FAILURE', delay: 'DELAY', success: 'SUCCESS' };

/**
 * Should a `kind` DSN go to `sender` for a recipient with these NOTIFY keywords?
 * Never to the null reverse-path (""), never with NOTIFY=NEVER. Without NOTIFY, RFC 3461 §4.1 leaves
 * the choice to us; we act as if NOTIFY=FAILURE,DELAY was given, as most MTAs do.
 * @example dsnWanted('delay', 'a@example.com', undefined) // true
 */
export function dsnWanted(kind: DsnKind, sender: string, notify: string[] | undefined): boolean {
  if (sender === '') return false;
  if (notify === undefined || notify.length === 0) return kind !== 'success';
  const given = notify.map((k) => k.toUpperCase());
  if (given.includes('NEVER')) return false;
  return given.includes(KEYWORD[kind]);
}
