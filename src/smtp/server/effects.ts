// Small constructors for session effects, shared by the session's command handlers.

import type { Reply } from '../wire/reply.js';
import type { Effect, SessionState } from './session-types.js';

export const say = (reply: Reply): Effect => ({ type: 'reply', reply });

/** End the session: an optional last reply, then close. */
export function close(s: SessionState, last?: Reply): Effect[] {
  s.phase = { kind: 'closed' };
  s.tx = null;
  return last ? [say(last), { type: 'close' }] : [{ type: 'close' }];
}
