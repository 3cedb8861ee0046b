// Open-pixel and click-redirect URLs of a campaign message, and their verification. Both name the
// message by a token (its queue id with a MAC); a click URL also carries a MAC of (queue id, target),
// so /t/c/ redirects only to links Petrel itself put in that message, never an open redirect.
// The MACs come from the unsubscribe key through UnsubscribeTokens.mint used as a keyed PRF over a
// SHA-256 digest with a purpose string, so a tracking token is not an unsubscribe token (a link
// scanner that sees tracking URLs learns nothing that unsubscribes). Verification never throws.
import { createHash, timingSafeEqual } from 'node:crypto';
import { isQueueId } from '../queue/queue-id.js';
import type { TrackingUrls } from './tracking.js';
import type { UnsubscribeTokens } from './unsubscribe-token.js';

const TOKEN = /^([0-9a-z]{26})-([0-9a-f]{16})$/;
const SIG = /^[0-9a-f]{16}$/;

export class TrackingLinks {
  constructor(private readonly tokens: UnsubscribeTokens) {}

  /** The open and click URLs of the message queued as `queueId`, under `host` (https://track.example.com). */
  urls(host: string, queueId: string): TrackingUrls {
    const base = host.replace(/\/+$/, '');
    const token = this.token(queueId);
    return {
      open: `${base}/t/o/${token}.gif`,
      click: (url) => `${base}/t/c/${token}?u=${encodeURIComponent(url)}&s=${this.sig(queueId, url)}`,
    };
  }

  /** The tracking token of a message: its queue id (lower case) and a MAC. */
  token(queueId: string): string {
    return `${queueId.toLowerCase()}-${this.prf('token', queueId.toUpperCase())}`;
  }

  /** The MAC a click URL of `queueId` to `url` carries. */
  sig(queueId: string, url: string): string {
    return this.prf('click', `${queueId.toUpperCase()}\u0000${url}`);
  }

  /** The queue id a pixel file name (TOKEN.gif) names, else null. */
  verifyOpen(file: string): string | null {
    return this.verifyToken(file.replace(/\.gif$/i, ''));
  }

  /** The queue id of a click URL whose token and sig match `url`, else null. */
  verifyClick(token: string, url: string, sig: string): string | null {
    const id = this.verifyToken(token);
    if (id === null || !SIG.test(sig) || !/^https?:\/\//i.test(url)) return null;
    return same(sig, this.sig(id, url)) ? id : null;
  }

  private verifyToken(token: string): string | null {
    const m = TOKEN.exec(token);
    if (!m) return null;
    const id = m[1]!.toUpperCase();
    if (!isQueueId(id)) return null;
    return same(m[2]!, this.prf('token', id)) ? id : null;
  }

  /**
   * 64 bits of HMAC(unsubscribe key, "message:" + HEX(SHA-256("petrel tracking v1", purpose, data))).
   * An unsubscribe MAC is over a 26-character queue id, never 64 hex digits, so the two never meet.
   */
  private prf(purpose: string, data: string): string {
    const digest = createHash('sha256').update(`petrel tracking v1\u0000${purpose}\u0000${data}`).digest('hex');
    return this.tokens.mint(digest).slice(digest.length + 1);
  }
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
