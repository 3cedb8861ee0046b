// Unsubscribe tokens: the queue id of a campaign message with a MAC (key derived from the data dir's
// secret key), so a token names one send and nobody can unsubscribe another address by guessing.
// Lower case only, since it also travels in a mailto local part (unsub+TOKEN@domain) MTAs may fold.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { isQueueId } from '../queue/queue-id.js';

const MAC_CHARS = 16; // 64 bits of HMAC-SHA256, hex
const TOKEN = /^([0-9a-z]{26})-([0-9a-f]{16})$/;

export class UnsubscribeTokens {
  private readonly key: Buffer;

  constructor(secretKey: Buffer) {
    this.key = createHmac('sha256', secretKey).update('petrel unsubscribe v1').digest();
  }

  /** The token of the campaign message queued as `queueId`. */
  mint(queueId: string): string {
    return `${queueId.toLowerCase()}-${this.mac(queueId.toUpperCase())}`;
  }

  /** The queue id a valid token names, else null (malformed, or a MAC that does not match). */
  verify(token: string): string | null {
    const m = TOKEN.exec(token.toLowerCase());
    if (!m) return null;
    const id = m[1]!.toUpperCase();
    if (!isQueueId(id)) return null;
    const expected = Buffer.from(this.mac(id));
    const given = Buffer.from(m[2]!);
    return timingSafeEqual(given, expected) ? id : null;
  }

  private mac(queueId: string): string {
    return createHmac('sha256', this.key).update(`message:${queueId}`).digest('hex').slice(0, MAC_CHARS);
  }
}

/** The local part of the mailto unsubscribe address of `token`. */
export const unsubscribeLocal = (token: string): string => `unsub+${token}`;

/** The token in a mailto unsubscribe address (unsub+TOKEN@...), or null. */
export function tokenOfAddress(address: string): string | null {
  const m = /^unsub\+([0-9a-z]{26}-[0-9a-f]{16})@/i.exec(address);
  return m ? m[1]!.toLowerCase() : null;
}
