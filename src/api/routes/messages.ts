// /v1/messages: send (JSON composed with MailComposer, or a raw RFC 5322 message), read one message
// with its attempts and events, and list the queue. A 202 is answered only once the message is durable;
// client mistakes are 4xx (sender not ours 422, too large 413), a failed queue commit a 503. In cluster
// mode a message kept by another node is read from that node (cluster/forward.ts).
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { answerFromHolder, NODE_HEADER } from '../../cluster/forward.js';
import { EventStore } from '../../events/store.js';
import { toPublicEvent } from '../../events/json.js';
import { getMessage, listQueue, RECIPIENT_STATES } from '../../queue/inspect.js';
import { domainOf } from '../../queue/message-rows.js';
import { rfc5322Date } from '../../smtp/server/received.js';
import type { Envelope } from '../../smtp/server/ports.js';
import { TraceWriter } from '../../smtp/server/trace-writer.js';
import type { Db } from '../../store/db.js';
import { ComposePool } from '../compose-pool.js';
import { headerAddresses, messageInput, parseMailbox, recipientsOf, toCrlf, withoutBcc, type MessageInput } from '../compose.js';
import type { ApiContext } from '../context.js';
import { ApiError, notFound } from '../errors.js';
import { IdempotencyStore, requestHash } from '../idempotency.js';
import { route, type Caller } from '../route.js';
import { decodeCursor, page, pageQuery } from './admin-common.js';
import { publicDetail, publicSummary } from './message-views.js';
import type { Statement } from 'better-sqlite3';
import type { ChoiceRequest } from '../../identities/chooser.js';
import type { Identity } from '../../identities/types.js';
import { chooseSender, chooserFor, type ChosenSender } from '../identity-choice.js';

/** The envelope of API mail: Petrel's Envelope plus the caller's tags and metadata (kept in its JSON). */
/** Envelope carries tags and metadata itself now; the name stays for the route's readers. */
export type ApiEnvelope = Envelope;

/** A send request before it is queued; build() gets the queue id for the Message-ID. */
interface Draft {
  sender: string;
  recipients: string[];
  build(messageId: string): Promise<Buffer>;
  tags?: string[];
  metadata?: Record<string, string>;
  /** The identity it leaves from, and what to remember for sticky choices once it is queued. */
  chosen?: { identity: Identity; request: ChoiceRequest };
}

interface SendRequest {
  draft: Draft;
  caller: Caller;
  request: FastifyRequest;
  /** Idempotency-Key and the request's hash, when the header was sent. */
  idempotency: { key: string; hash: string } | null;
}

/** `:id` of a message: any string; one that is no queue id is simply unknown (404). */
export const messageIdParams = z.strictObject({ id: z.string().min(1).max(200) });
const listCursor = z.tuple([z.number().int().nonnegative(), z.string().max(64)]);

const address = z.string().max(998);
const rawQuery = z.strictObject({
  from: address.optional(),
  to: z.union([address, z.array(address).max(10_000)]).optional(),
});
const sendResult = z.object({
  id: z.string(),
  recipients: z.array(z.object({ address: z.string(), status: z.enum(['queued', 'suppressed']) })),
});
type SendResult = z.infer<typeof sendResult>;

export function messageRoutes(ctx: ApiContext) {
  const keys = new IdempotencyStore(ctx.db);
  const events = new EventStore(ctx.db);
  const composer = sharedComposer(); // MailComposer on the other core, one thread per process
  return [
    route({
      method: 'POST', url: '/v1/messages', scope: 'send', tag: 'messages',
      summary: 'Send a message: JSON to compose, or a raw RFC 5322 message as message/rfc822 (envelope from ?from= and ?to=, else its headers)',
      query: rawQuery, body: messageInput, rawTypes: ['message/rfc822'],
      responses: {
        202: ['queued durably (Idempotent-Replayed: true when answered again for an Idempotency-Key)', sendResult],
        413: ['larger than limits.maxMessageSize'],
        422: ['sender domain is not a sending domain (sender_not_allowed), or Idempotency-Key reused with another body'],
      },
      handler: async ({ query, body, caller, request, reply }) => {
        const raw = Buffer.isBuffer(body) ? (body as Buffer) : null;
        if (!raw && (query.from !== undefined || query.to !== undefined)) {
          throw new ApiError(400, 'invalid_request', 'query: ?from= and ?to= go with a raw message (message/rfc822)', 'query');
        }
        const draft = raw ? rawDraft(raw, query) : jsonDraft(chooseSender(ctx.db, body as MessageInput, Date.now()), ctx.config.hostname, composer);
        checkDraft(ctx, draft);
        const key = idempotencyKey(request);
        const idempotency = key === null ? null : { key, hash: requestHash({ raw, json: raw ? null : request.body, query }) };
        const result = await send(ctx, keys, { draft, caller: caller!, request, idempotency });
        void reply.code(202);
        if (result.replayed) void reply.header('Idempotent-Replayed', 'true');
        return result.body;
      },
    }),
    route({
      method: 'GET', url: '/v1/messages/:id', scope: 'read', tag: 'messages',
      summary: 'One message: its recipients with every delivery attempt, and its events',
      params: messageIdParams,
      responses: {
        200: ['the message (cluster mode: x-petrel-node names the node whose queue holds it; asked elsewhere, the request is relayed there)'],
        404: ['unknown id'], 503: ['cluster mode: the node holding it or PostgreSQL does not answer'],
      },
      handler: async ({ params, request, reply }) => {
        const message = getMessage(ctx.db, params.id);
        if (!message) {
          if (await answerFromHolder(ctx.cluster, request, reply, params.id)) return reply;
          throw notFound(`message ${params.id}`);
        }
        if (ctx.cluster) void reply.header(NODE_HEADER, ctx.cluster.name);
        return { ...publicDetail(message), events: events.list({ messageId: params.id, limit: 10_000 }).map(toPublicEvent) };
      },
    }),
    route({
      method: 'GET', url: '/v1/messages', scope: 'read', tag: 'messages',
      summary: 'Messages, newest first; state and domain match one recipient that has both',
      query: z.strictObject({
        state: z.enum(RECIPIENT_STATES).optional(),
        domain: z.string().max(253).optional(),
        direction: z.enum(['inbound', 'outbound']).optional(),
        ...pageQuery,
      }),
      responses: { 200: ['a page of messages; nextCursor is null on the last page'] },
      handler: ({ query }) => {
        const { limit, cursor, ...filters } = query;
        const before = cursor === undefined ? {} : { before: listPosition(cursor) };
        const rows = listQueue(ctx.db, { ...filters, ...before, limit: limit + 1 });
        const result = page(rows, limit, (m) => [m.receivedAt, m.id]);
        return { data: result.data.map(publicSummary), nextCursor: result.nextCursor };
      },
    }),
  ];
}

/**
 * Queue a JSON message the way POST /v1/messages does (checks, durable commit, sticky choice, wake-up)
 * from a sender already chosen, without an Idempotency-Key: for routes that answer by mail, like the
 * inbox's replies, which must leave from the identity the mail arrived at. The queue id.
 */
export async function queueJsonMessage(ctx: ApiContext, chosen: ChosenSender, caller: Caller, request: FastifyRequest): Promise<string> {
  const draft = jsonDraft(chosen, ctx.config.hostname, sharedComposer());
  checkDraft(ctx, draft);
  const keys = new IdempotencyStore(ctx.db);
  return (await send(ctx, keys, { draft, caller, request, idempotency: null })).body.id;
}

let composerPool: ComposePool | null = null;
const sharedComposer = () => (composerPool ??= new ComposePool());

function listPosition(cursor: string): { receivedAt: number; id: string } {
  const [receivedAt, id] = decodeCursor(cursor, listCursor);
  return { receivedAt, id };
}

function jsonDraft({ input, identity, request }: ChosenSender, hostname: string, composer: ComposePool): Draft {
  return {
    ...(identity ? { chosen: { identity, request } } : {}),
    sender: input.from.address,
    recipients: recipientsOf(input),
    build: (id) => composer.compose(input, { messageId: `<${id}@${hostname}>`, date: new Date() }),
    ...(input.tags ? { tags: input.tags } : {}),
    ...(input.metadata ? { metadata: input.metadata } : {}),
  };
}

/** A raw message, CRLF'd and without Bcc; the envelope from the query, else from its headers. */
function rawDraft(raw: Buffer, query: z.infer<typeof rawQuery>): Draft {
  if (raw.length === 0) throw new ApiError(400, 'invalid_request', 'body: the message is empty', 'body');
  const crlf = toCrlf(raw);
  const headers = headerAddresses(crlf);
  const from = query.from !== undefined ? [mailboxAt(query.from, 'query.from')] : headers.from.map((a) => mailboxAt(a, 'body'));
  const to = query.to !== undefined ? [query.to].flat().map((a) => mailboxAt(a, 'query.to')) : headers.recipients.map((a) => mailboxAt(a, 'body'));
  if (from.length !== 1) throw new ApiError(400, 'invalid_request', 'query.from: give ?from= or one From: address in the message', 'query.from');
  const bytes = withoutBcc(crlf);
  return { sender: from[0]!, recipients: [...new Set(to)], build: async () => bytes };
}

function mailboxAt(text: string, path: string): string {
  const mailbox = parseMailbox(text);
  if (mailbox === null) throw new ApiError(400, 'invalid_request', `${path}: "${text.slice(0, 100)}" is not an address`, path);
  return mailbox.address;
}

function checkDraft(ctx: ApiContext, draft: Draft): void {
  const max = ctx.config.limits.maxRecipients;
  if (draft.recipients.length === 0) throw new ApiError(400, 'invalid_request', 'body.to: at least one recipient', 'body.to');
  if (draft.recipients.length > max) throw new ApiError(400, 'invalid_request', `body.to: at most ${max} recipients (limits.maxRecipients)`, 'body.to');
  if (!ctx.directory.isSendingDomain(domainOf(draft.sender))) {
    throw new ApiError(422, 'sender_not_allowed', `${domainOf(draft.sender)} is not a sending domain of this server`, 'body.from');
  }
}

function idempotencyKey(request: FastifyRequest): string | null {
  const value = request.headers['idempotency-key'];
  if (value === undefined) return null;
  if (typeof value !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(value)) {
    throw new ApiError(400, 'invalid_request', 'Idempotency-Key: 1 to 255 printable ASCII characters', 'headers.idempotency-key');
  }
  return value;
}

/** Compose, check the size, claim the Idempotency-Key, then queue and wait until durable. */
async function send(ctx: ApiContext, keys: IdempotencyStore, req: SendRequest): Promise<{ body: SendResult; replayed: boolean }> {
  const envelope = makeEnvelope(req);
  const writer = ctx.queue.open(envelope);
  const messageId = `<${writer.id}@${ctx.config.hostname}>`;
  let bytes: Buffer;
  try {
    bytes = await req.draft.build(writer.id);
    // The writer reads the envelope at commit, so the body type can follow the bytes.
    envelope.body = bytes.some((byte) => byte > 127) ? '8BITMIME' : '7BIT';
    const max = ctx.config.limits.maxMessageSize;
    if (bytes.length > max) throw new ApiError(413, 'payload_too_large', `the message is ${bytes.length} bytes; limits.maxMessageSize is ${max}`);
    const earlier = req.idempotency ? await claim(ctx, keys, req.caller.keyId, req.idempotency, writer.id) : null;
    if (earlier) return writer.abort(), { body: earlier, replayed: true };
  } catch (error) {
    writer.abort();
    throw error;
  }
  try {
    const fixups = { date: rfc5322Date(envelope.receivedAt), messageId };
    const trace = new TraceWriter(writer, receivedLine(ctx.config.hostname, writer.id, envelope), fixups);
    trace.write(bytes);
    await trace.commit();
  } catch (error) {
    if (req.idempotency) keys.release(req.caller.keyId, req.idempotency.key);
    ctx.log.error({ event: 'api-queue-failed', err: error }, 'queueing an API message failed');
    throw new ApiError(503, 'queue_unavailable', 'the message could not be stored; nothing was queued, retry later');
  }
  if (req.draft.chosen) chooserFor(ctx.db).chosen(req.draft.chosen.identity, req.draft.chosen.request, `${writer.id}@${ctx.config.hostname}`, envelope.receivedAt);
  ctx.wakeDelivery();
  try {
    const body = sendResultOf(ctx.db, writer.id);
    if (req.idempotency) keys.complete(req.caller.keyId, req.idempotency.key, writer.id, body);
    return { body, replayed: false };
  } finally {
    // Queued but not recorded (a SQLite error): duplicates then see an orphan and answer from the message.
    if (req.idempotency) keys.forget(req.caller.keyId, req.idempotency.key);
  }
}

/** null when the key is ours now; the earlier response when the request was answered before. */
async function claim(ctx: ApiContext, keys: IdempotencyStore, apiKey: string, idem: { key: string; hash: string }, id: string): Promise<SendResult | null> {
  for (;;) {
    const found = keys.claim(apiKey, idem.key, idem.hash, id);
    switch (found.kind) {
      case 'claimed':
        return null;
      case 'replay':
        return found.response as SendResult;
      case 'mismatch':
        throw new ApiError(422, 'idempotency_key_reused', 'this Idempotency-Key was used with a different request body', 'headers.idempotency-key');
      case 'in-progress':
        await found.settled; // a concurrent duplicate: wait for it, then claim again (and replay its answer)
        continue;
      case 'orphaned': {
        // Claimed before a crash: answer from its message if that was committed, else take the key over.
        if (getMessage(ctx.db, found.messageId) === null) return keys.reclaim(apiKey, idem.key, id), null;
        const body = sendResultOf(ctx.db, found.messageId);
        keys.complete(apiKey, idem.key, found.messageId, body);
        return body;
      }
    }
  }
}

/** The recipients' states as the commit left them (suppressed ones were marked in that transaction). */
// Read after every send: prepared once per connection, not per request.
const recipientStates = new WeakMap<Db, Statement>();

function sendResultOf(db: Db, id: string): SendResult {
  let statement = recipientStates.get(db);
  if (!statement) recipientStates.set(db, (statement = db.prepare('SELECT address, state FROM recipients WHERE message_id = ? ORDER BY idx')));
  const rows = statement.all(id) as Array<{ address: string; state: string }>;
  return { id, recipients: rows.map((r) => ({ address: r.address, status: r.state === 'suppressed' ? 'suppressed' : 'queued' })) };
}

function makeEnvelope({ draft, caller, request }: SendRequest): ApiEnvelope {
  const nonAscii = /[^\x00-\x7f]/;
  return {
    sender: draft.sender,
    recipients: draft.recipients.map((address) => ({ address })),
    body: '7BIT', // set from the bytes once composed (send)
    smtputf8: [draft.sender, ...draft.recipients].some((a) => nonAscii.test(a)),
    authUser: `apikey:${caller.keyId}`,
    client: { address: request.ip, port: request.socket.remotePort ?? 0, helo: 'api' },
    tls: null,
    role: 'local',
    listener: 'api',
    receivedAt: Date.now(),
    ...(draft.tags ? { tags: draft.tags } : {}),
    ...(draft.metadata ? { metadata: draft.metadata } : {}),
    ...(draft.chosen ? { identity: draft.chosen.identity.name } : {}),
  };
}

function receivedLine(hostname: string, id: string, envelope: Envelope): string {
  return `Received: from api ([${envelope.client.address}])\r\n\tby ${hostname} (Petrel) with HTTP id ${id};\r\n\t${rfc5322Date(envelope.receivedAt)}\r\n`;
}
