// Small constructors for session effects, shared by the session's command handlers.

import type { Reply } from '../wire/reply.js';
import type { Effect, SessionState } from './session-types.js';

export const say = (reply: Reply): Effect => ({ type: 'reply', reply });

/** Forget the transaction; a message already opened by BDAT chunks is thrown away. */
export function resetTransaction(s: SessionState): Effect[] {
  const open = s.tx?.bdat != null;
  s.tx = null;
  return open ? [{ type: 'discard-message' }] : [];
}

/** End the session: an optional last reply, then close. */
export function close(s: SessionState, last?: Reply): Effect[] {
  s.phase = { kind: 'closed' };
  s.tx = null;
  return last ? [say(last), { type: 'close' }] : [{ type: 'close' }];
}
