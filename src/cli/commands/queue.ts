// `petrel queue list|show|retry|hold|release|delete|bounce|flush`: views of the queue and the operator's
// actions on it. An unknown id exits 1; bad options exit 2; database errors exit 1.
import type { Command } from 'commander';
import { z } from 'zod';
import { bounceNow, deleteMessage, flush, hold, release, retryNow } from '../../queue/control.js';
import { getMessage, listQueue, RECIPIENT_STATES, type AttemptRecord, type LastReply } from '../../queue/inspect.js';
import type { QueueDetail, QueueSummary, RecipientDetail } from '../../queue/inspect.js';
import type { Db } from '../../store/db.js';
import { parseDomain } from '../../smtp/wire/address.js';
import { configFor, withDatabase } from '../context.js';
import { UsageError } from '../errors.js';
import { formatFields, formatTable, formatTime } from '../io.js';

const listOptions = z.object({
  json: z.boolean().default(false),
  limit: z.coerce.number().int().positive({ error: '--limit must be a positive whole number' }).default(100),
  state: z.enum(RECIPIENT_STATES, { error: `--state must be one of ${RECIPIENT_STATES.join(', ')}` }).optional(),
  domain: z.string().optional(),
  direction: z.enum(['inbound', 'outbound'], { error: '--direction must be inbound or outbound' }).optional(),
});
const showOptions = z.object({ json: z.boolean().default(false) });
const retryOptions = z.object({ all: z.boolean().default(false) });

/** An action on one message: its change count, or null when there is no such message. */
type MessageAction = (db: Db, id: string, dataDir: string) => number | null;

/** The one-message actions as data: name, help text, action, and the past tense for the report. */
const ACTIONS: [string, string, MessageAction, string][] = [
  ['hold', 'put the queued and deferred recipients of a message on hold', (db, id) => hold(db, id), 'held'],
  ['release', 'queue the held recipients of a message again, due now', (db, id) => release(db, id), 'released'],
  ['bounce', 'bounce every pending recipient now; a DSN follows', (db, id) => bounceNow(db, id), 'bounced (DSN pending)'],
];

export function registerQueueCommands(program: Command): void {
  const queue = program.command('queue').description('inspect and control the message queue');
  registerViews(queue);
  queue
    .command('retry [id]')
    .description('make the queued and deferred recipients of a message (or of all, with --all) due now')
    .option('--all', 'every message in the queue')
    .action(async (id: string | undefined, raw: unknown, command: Command) => {
      const { all } = retryOptions.parse(raw);
      if (all === (id !== undefined)) throw new UsageError('queue retry: give exactly one of a message id or --all');
      if (id !== undefined) return runAction(command, id, (db, mid) => retryNow(db, mid), 'due now');
      const changed = await withDatabase(configFor(command), (db) => retryNow(db, null)) ?? 0;
      process.stdout.write(`${recipients(changed)} due now\n`);
    });
  for (const [name, description, action, done] of ACTIONS) registerAction(queue, name, description, action, done);
  queue
    .command('delete <id>')
    .description('delete a message, its recipients, attempts and body, without a DSN')
    .action(async (id: string, _raw: unknown, command: Command) => {
      const config = configFor(command);
      const removed = await withDatabase(config, (db) => deleteMessage(db, config.dataDir, id));
      if (removed === null) throw new Error(`no message with id ${id}`);
      process.stdout.write(`deleted ${id} (${recipients(removed)})\n`);
    });
  queue
    .command('flush')
    .description('make every deferred recipient due now')
    .action(async (_raw: unknown, command: Command) => {
      const changed = await withDatabase(configFor(command), (db) => flush(db));
      process.stdout.write(`${changed} deferred ${changed === 1 ? 'recipient' : 'recipients'} due now\n`);
    });
}

function registerViews(queue: Command): void {
  queue
    .command('list')
    .description('list the newest messages')
    .option('--state <state>', 'only messages with a recipient in this state')
    .option('--domain <domain>', 'only messages with a recipient at this domain (with --state: the same one)')
    .option('--direction <direction>', 'inbound or outbound')
    .option('--json', 'print the message summaries as JSON')
    .option('--limit <n>', 'how many messages to show', '100')
    .action(async (raw: unknown, command: Command) => {
      const parsed = listOptions.safeParse(raw);
      if (!parsed.success) throw new UsageError(parsed.error.issues[0]?.message ?? 'bad options');
      const { json, domain, ...filter } = parsed.data;
      const opts = { ...filter, ...(domain === undefined ? {} : { domain: requireDomain(domain) }) };
      const messages = await withDatabase(configFor(command), (db) => listQueue(db, opts));
      const filtered = filter.state !== undefined || filter.direction !== undefined || domain !== undefined;
      const empty = filtered ? 'no matching messages\n' : 'queue is empty\n';
      process.stdout.write(json ? toJson(messages) : summaryTable(messages, empty));
    });
  queue
    .command('show <id>')
    .description('show one message: envelope, client, TLS, and every recipient with its attempts')
    .option('--json', 'print the message as JSON')
    .action(async (id: string, raw: unknown, command: Command) => {
      const { json } = showOptions.parse(raw);
      const message = await withDatabase(configFor(command), (db) => getMessage(db, id));
      if (message === null) throw new Error(`no message with id ${id}`);
      process.stdout.write(json ? toJson(message) : detailView(message));
    });
}

function registerAction(queue: Command, name: string, description: string, action: MessageAction, done: string): void {
  queue
    .command(`${name} <id>`)
    .description(description)
    .action((id: string, _raw: unknown, command: Command) => runAction(command, id, action, done));
}

/** Run `action` on message `id` and print "N recipients of ID <done>". */
async function runAction(command: Command, id: string, action: MessageAction, done: string): Promise<void> {
  const config = configFor(command);
  const changed = await withDatabase(config, (db) => action(db, id, config.dataDir));
  if (changed === null) throw new Error(`no message with id ${id}`);
  process.stdout.write(`${recipients(changed)} of ${id} ${done}\n`);
}

function requireDomain(text: string): string {
  const domain = parseDomain(text);
  if (!domain) throw new UsageError(`--domain: "${text}" is not a domain name`);
  return domain;
}

const recipients = (n: number) => `${n} ${n === 1 ? 'recipient' : 'recipients'}`;

function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

const bracketed = (address: string) => `<${address}>`;

function summaryTable(messages: QueueSummary[], empty: string): string {
  if (messages.length === 0) return empty;
  const rows = messages.map((m) => [
    m.id,
    m.direction,
    m.state,
    formatTime(m.receivedAt),
    String(m.size),
    bracketed(m.sender),
    // Queued recipients are shown bare; any other state is named.
    m.recipients.map((r) => (r.state === 'queued' ? r.address : `${r.address} (${r.state})`)).join(', '),
  ]);
  return formatTable(['ID', 'DIRECTION', 'STATE', 'RECEIVED', 'SIZE', 'SENDER', 'RECIPIENTS'], rows);
}

function describeClient(client: QueueDetail['envelope']['client']): string {
  const reverse = client.reverseName === undefined ? '' : `, ${client.reverseName}`;
  return `${client.address} port ${client.port}, helo ${client.helo}${reverse}`;
}

/** The envelope as aligned fields, then one block per recipient with one line per attempt. */
function detailView(message: QueueDetail): string {
  const { envelope } = message;
  const fields: [string, string][] = [
    ['id', message.id],
    ['direction', message.direction],
    ['state', message.state],
    ...(message.identity ? [['identity', message.identity] as [string, string]] : []),
    ['received', formatTime(message.receivedAt)],
    ['size', `${message.size} bytes (body in ${message.bodyStorage})`],
    ['sender', bracketed(message.sender)],
    ['client', describeClient(envelope.client)],
    ['tls', envelope.tls === null ? 'none' : `${envelope.tls.protocol} ${envelope.tls.cipher}`],
    ['auth user', envelope.authUser ?? 'none'],
    ['listener', `${envelope.role} on ${envelope.listener}`],
    ['body type', `${envelope.body}${envelope.smtputf8 ? ', SMTPUTF8' : ''}`],
  ];
  if (envelope.ret !== undefined) fields.push(['ret', envelope.ret]);
  if (envelope.envid !== undefined) fields.push(['envid', envelope.envid]);
  return [formatFields(fields), ...message.recipients.map(recipientBlock)].join('\n');
}

function recipientBlock(r: RecipientDetail): string {
  const facts = [r.state, `${r.attempts} ${r.attempts === 1 ? 'attempt' : 'attempts'}`];
  if (r.waitReason !== undefined) facts.push(`${r.waitReason}${r.waitIdentity ? ` (identity ${r.waitIdentity})` : ''}`);
  if (r.nextAttemptAt !== undefined) facts.push(`${r.waitReason ? 'next slot' : 'next'} ${formatTime(r.nextAttemptAt)}`);
  if (r.finalAt !== undefined) facts.push(`final ${formatTime(r.finalAt)}`);
  if (r.dsnPending) facts.push('DSN pending');
  const lines = [`recipient ${bracketed(r.address)}: ${facts.join(', ')}`];
  const dsn = [r.notify && `NOTIFY=${r.notify.join(',')}`, r.orcpt && `ORCPT=${r.orcpt}`].filter(Boolean);
  if (dsn.length > 0) lines.push(`  dsn: ${dsn.join(' ')}`);
  if (r.lastReply !== undefined) lines.push(`  last reply: ${describeReply(r.lastReply)}`);
  for (const attempt of r.history) lines.push(`  ${attemptLine(attempt)}`);
  return lines.join('\n') + '\n';
}

/** time, outcome, mx[ip]:port, TLS, reply: one attempt on one line. */
function attemptLine(a: AttemptRecord): string {
  const host = a.mx ?? a.route;
  const where = a.ip === null ? host : `${host}[${a.ip}]${a.port === null ? '' : `:${a.port}`}`;
  const reply = a.code === null && a.text === null ? '' : ` ${describeReply(a)}${a.remote ? '' : ' (ours)'}`;
  const phase = a.phase === null ? '' : ` at ${a.phase}`;
  const why = a.reason === null || a.outcome === 'delivered' ? '' : ` [${a.class}/${a.reason}]`;
  return `${formatTime(a.at)} ${a.outcome} ${where} ${a.tls ?? 'no TLS'}${phase}${reply}${why} (${a.durationMs} ms)`;
}

function describeReply(reply: LastReply): string {
  return [reply.code, reply.enhanced, reply.text].filter((part) => part !== null).join(' ');
}
