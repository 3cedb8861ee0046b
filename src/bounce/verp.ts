// Tagged return paths (VERP-style): outgoing mail leaves with MAIL FROM b+<queue id>-<mac>@<domain>,
// so a bounce names its message even when the report itself is vague. The MAC (HMAC-SHA256 under a
// key derived from keys/secret.key) makes the address unforgeable: a report to a tag we did not make
// is refused at RCPT, and nobody can suppress an address by sending us fake bounces. Everything is
// lower-case because some MTAs fold the local part; queue ids are Crockford base32, so case is noise.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { isQueueId } from '../queue/queue-id.js';

const TAG = /^b\+([0-9a-z]{26})-([0-9a-z]{10})$/i;
const MAC_CHARS = 10; // 50 bits: forging one needs ~10^15 tries against our RCPT replies
const BASE32 = '0123456789abcdefghjkmnpqrstvwxyz';

export interface ReturnPathOptions {
  mode: 'verp' | 'sender';
  /** Fixed VERP domain; else the sender's own domain when it is local. */
  domain?: string | undefined;
  /** Whether we take mail for `domain` (bounces must come back to us). */
  isLocalDomain: (domain: string) => boolean;
}

export class ReturnPaths {
  private readonly key: Buffer;

  constructor(secretKey: Buffer, private readonly opts: ReturnPathOptions) {
    this.key = createHmac('sha256', secretKey).update('petrel verp v1').digest();
  }

  /** The MAIL FROM for a message: its tagged return path, or the sender as submitted. */
  for(messageId: string, sender: string): string {
    if (this.opts.mode !== 'verp' || sender === '') return sender; // DSNs keep the null sender
    const at = sender.lastIndexOf('@');
    const domain = this.opts.domain ?? sender.slice(at + 1).toLowerCase();
    if (at < 0 || !this.opts.isLocalDomain(domain)) return sender;
    return `b+${messageId.toLowerCase()}-${this.mac(messageId)}@${domain}`;
  }

  /** The queue id a tagged address stands for, or null when it is not one of ours. */
  messageIdOf(address: string): string | null {
    const at = address.lastIndexOf('@');
    const match = TAG.exec(at < 0 ? address : address.slice(0, at));
    if (!match) return null;
    const id = match[1]!.toUpperCase();
    if (!isQueueId(id)) return null;
    const expected = Buffer.from(this.mac(id));
    const given = Buffer.from(match[2]!.toLowerCase());
    return timingSafeEqual(expected, given) ? id : null;
  }

  private mac(messageId: string): string {
    const digest = createHmac('sha256', this.key).update(messageId.toUpperCase()).digest();
    let out = '';
    for (let i = 0; i < MAC_CHARS; i++) out += BASE32[digest[i]! & 31];
    return out;
  }
}

/** Whether the local part has the shape of a tag (checked without the key, e.g. on the commit thread). */
export function looksTagged(address: string): boolean {
  const at = address.lastIndexOf('@');
  return TAG.test(at < 0 ? address : address.slice(0, at));
}
