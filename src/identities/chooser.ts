// Which identity a send leaves from: a sticky one (the thread, the contact, or the message replied
// to already has one), the one named, or the pool's least-used member with room today (weighted).
// Pure choice over counts the store supplies; unknown names throw StoreError('not-found').
import type { Db } from '../store/db.js';
import { StoreError } from '../store/errors.js';
import { dayKey, dayStartOf } from '../pacing/days.js';
import { effectiveLimits } from './caps.js';
import { PoolStore, StickyStore } from './pools.js';
import { IdentityStore } from './store.js';
import type { Identity } from './types.js';

export interface ChoiceRequest {
  pool?: string | undefined;
  identity?: string | undefined;
  thread?: string | undefined;
  contact?: string | undefined;
  /** Message-IDs this message replies to (In-Reply-To, References). */
  replyTo?: readonly string[] | undefined;
}

export interface Candidate {
  identity: Identity;
  weight: number;
  usedToday: number;
  capToday: number | null;
}

/** The candidate to use: active ones with room first, then least used per weight, then by name. */
export function pickCandidate(candidates: readonly Candidate[]): Candidate | null {
  const room = (c: Candidate) => c.identity.state !== 'paused' && (c.capToday === null || c.usedToday < c.capToday);
  const usable = candidates.filter(room);
  const list = usable.length > 0 ? usable : candidates.filter((c) => c.identity.state !== 'paused');
  const pool = list.length > 0 ? list : candidates; // all paused: the mail waits for a resume
  return [...pool].sort((a, b) => a.usedToday / a.weight - b.usedToday / b.weight || a.identity.name.localeCompare(b.identity.name))[0] ?? null;
}

/** The sticky keys of a request. */
export function stickyKeys(req: ChoiceRequest): string[] {
  return [
    ...(req.thread ? [`thread:${req.thread}`] : []),
    ...(req.contact ? [`contact:${req.contact.toLowerCase()}`] : []),
    ...(req.replyTo ?? []).map((id) => `msgid:${id}`),
  ];
}

export class IdentityChooser {
  private readonly identities: IdentityStore;
  private readonly pools: PoolStore;
  private readonly sticky: StickyStore;
  private readonly assignedSince;
  private readonly heldDays;
  /** Messages given to each identity today (this process), on top of what the store counted. */
  private readonly assigned = new Map<string, { day: string; count: number }>();

  constructor(private readonly db: Db) {
    this.identities = new IdentityStore(db);
    this.pools = new PoolStore(db);
    this.sticky = new StickyStore(db);
    this.assignedSince = db.prepare('SELECT count(*) FROM messages WHERE identity = ? AND received_at >= ?').pluck();
    this.heldDays = db.prepare('SELECT day FROM warmup_holds WHERE identity = ?').pluck();
  }

  /** The identity for `req`, or null when it names neither pool nor identity and nothing is sticky. */
  choose(req: ChoiceRequest, now: number): Identity | null {
    const stuck = this.sticky.find(stickyKeys(req));
    const found = stuck ? this.identities.get(stuck) : null;
    if (found) return found;
    if (req.identity !== undefined) return this.identities.get(req.identity) ?? notFound(`identity ${req.identity}`);
    if (req.pool === undefined) return null;
    const pool = this.pools.get(req.pool) ?? notFound(`pool ${req.pool}`);
    const candidates = pool.members.flatMap((m) => {
      const identity = this.identities.get(m.identity);
      return identity ? [{ identity, weight: m.weight, usedToday: this.usedToday(identity, now), capToday: this.capToday(identity, now) }] : [];
    });
    return pickCandidate(candidates)?.identity ?? notFound(`an identity in pool ${req.pool}`);
  }

  /** Count a message for `identity` and remember it for the request's sticky keys and its Message-ID. */
  chosen(identity: Identity, req: ChoiceRequest, messageId: string, now: number): void {
    this.reserve(identity, now);
    this.sticky.remember([...stickyKeys(req), `msgid:${messageId}`], identity.name, now);
  }

  /** Count one message for `identity` today before it is queued (a batch of choices spreads over the pool). */
  reserve(identity: Identity, now: number): void {
    this.usedToday(identity, now);
    this.assigned.get(identity.name)!.count++;
  }

  /** Whether `identity` may take one more message today (its cap, warm-up ramp, or no cap at all). */
  hasRoomToday(identity: Identity, now: number): boolean {
    const cap = this.capToday(identity, now);
    return cap === null || this.usedToday(identity, now) < cap;
  }

  private usedToday(identity: Identity, now: number): number {
    const day = dayKey(now, identity.timeZone);
    let a = this.assigned.get(identity.name);
    if (!a || a.day !== day) {
      a = { day, count: this.assignedSince.get(identity.name, dayStartOf(day, identity.timeZone)) as number };
      this.assigned.set(identity.name, a);
    }
    return a.count;
  }

  private capToday(identity: Identity, now: number): number | null {
    const held = this.heldDays.all(identity.name) as string[];
    return effectiveLimits(identity, held, now).capToday;
  }
}

function notFound(what: string): never {
  throw new StoreError('not-found', `no ${what}`);
}
