// The sending identity of a JSON send: `identity`, `pool`, or a sticky `thread` / `contact` / reply
// decides it, and From, the envelope sender (and so DKIM and the return path) follow it, keeping the
// display name given. Unknown names are 422s naming the field; a missing From without either is a 400.
import { IdentityChooser, type ChoiceRequest } from '../identities/chooser.js';
import { isDomainIdentity, type Identity } from '../identities/types.js';
import { StoreError } from '../store/errors.js';
import type { Db } from '../store/db.js';
import type { MessageInput } from './compose.js';
import { ApiError } from './errors.js';

export interface ChosenSender {
  input: MessageInput & { from: { name: string; address: string } };
  identity: Identity | null;
  request: ChoiceRequest;
}

const choosers = new WeakMap<Db, IdentityChooser>();

/** The chooser of `db` (one per connection: it keeps today's assignment counts). */
export function chooserFor(db: Db): IdentityChooser {
  let c = choosers.get(db);
  if (!c) choosers.set(db, (c = new IdentityChooser(db)));
  return c;
}

/** The input with its From set by the chosen identity, if any. */
export function chooseSender(db: Db, input: MessageInput, now: number): ChosenSender {
  const request: ChoiceRequest = { pool: input.pool, identity: input.identity, thread: input.thread, contact: input.contact, replyTo: repliedTo(input.headers) };
  let identity: Identity | null;
  try {
    identity = chooserFor(db).choose(request, now);
  } catch (error) {
    if (error instanceof StoreError && error.code === 'not-found') throw new ApiError(422, 'unknown_identity', error.message, input.identity !== undefined ? 'body.identity' : 'body.pool');
    throw error;
  }
  if (!identity) {
    if (!input.from) throw new ApiError(400, 'invalid_request', 'body.from: required unless identity or pool is given', 'body.from');
    return { input: { ...input, from: input.from }, identity: null, request };
  }
  return { input: { ...input, from: fromOf(identity, input.from) }, identity, request };
}

/** The identity's address with the display name given; a domain identity keeps the given local part. */
function fromOf(identity: Identity, given: { name: string; address: string } | undefined): { name: string; address: string } {
  if (!isDomainIdentity(identity)) return { name: given?.name ?? '', address: identity.from };
  if (!given) throw new ApiError(422, 'identity_needs_from', `identity ${identity.name} sends for all of ${identity.from}: give from`, 'body.from');
  const local = given.address.slice(0, given.address.lastIndexOf('@'));
  return { name: given.name, address: `${local}@${identity.from}` };
}

/** Message-IDs (without angle brackets) in In-Reply-To and References. */
function repliedTo(headers: Record<string, string> | undefined): string[] {
  const values = Object.entries(headers ?? {}).filter(([k]) => /^(in-reply-to|references)$/i.test(k)).map(([, v]) => v);
  return values.flatMap((v) => [...v.matchAll(/<([^<>\s]+)>/g)].map((m) => m[1]!));
}
