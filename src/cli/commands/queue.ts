// `petrel queue list|show`: read-only views of queued messages, as a table or exact JSON objects.
// An unknown id exits 1; a bad --limit exits 2; database errors exit 1.
import type { Command } from 'commander';
import { z } from 'zod';
import { getMessage, listQueue, type QueueDetail, type QueueSummary } from '../../queue/inspect.js';
import { configFor, withDatabase } from '../context.js';
import { UsageError } from '../errors.js';
import { formatFields, formatTable, formatTime } from '../io.js';

const listOptions = z.object({
  json: z.boolean().default(false),
  limit: z.coerce.number().int().positive().default(100),
});
const showOptions = z.object({ json: z.boolean().default(false) });

export function registerQueueCommands(program: Command): void {
  const queue = program.command('queue').description('inspect the message queue');
  queue
    .command('list')
    .description('list the newest messages')
    .option('--json', 'print the message summaries as JSON')
    .option('--limit <n>', 'how many messages to show', '100')
    .action(async (raw: unknown, command: Command) => {
      const options = listOptions.safeParse(raw);
      if (!options.success) throw new UsageError('--limit must be a positive whole number');
      const messages = await withDatabase(configFor(command), (db) => listQueue(db, { limit: options.data.limit }));
      process.stdout.write(options.data.json ? toJson(messages) : summaryTable(messages));
    });
  queue
    .command('show <id>')
    .description('show one message: envelope, size, client, TLS, authenticated user')
    .option('--json', 'print the message as JSON')
    .action(async (id: string, raw: unknown, command: Command) => {
      const { json } = showOptions.parse(raw);
      const message = await withDatabase(configFor(command), (db) => getMessage(db, id));
      if (message === null) throw new Error(`no message with id ${id}`);
      process.stdout.write(json ? toJson(message) : detailFields(message));
    });
}

function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

const sender = (address: string) => `<${address}>`;

function summaryTable(messages: QueueSummary[]): string {
  if (messages.length === 0) return 'queue is empty\n';
  const rows = messages.map((m) => [
    m.id,
    m.direction,
    m.state,
    formatTime(m.receivedAt),
    String(m.size),
    sender(m.sender),
    m.recipients.map((r) => r.address).join(', '),
  ]);
  return formatTable(['ID', 'DIRECTION', 'STATE', 'RECEIVED', 'SIZE', 'SENDER', 'RECIPIENTS'], rows);
}

function describeClient(client: QueueDetail['envelope']['client']): string {
  const reverse = client.reverseName === undefined ? '' : `, ${client.reverseName}`;
  return `${client.address} port ${client.port}, helo ${client.helo}${reverse}`;
}

function detailFields(message: QueueDetail): string {
  const { envelope } = message;
  const fields: [string, string][] = [
    ['id', message.id],
    ['direction', message.direction],
    ['state', message.state],
    ['received', formatTime(message.receivedAt)],
    ['size', `${message.size} bytes (body in ${message.bodyStorage})`],
    ['sender', sender(message.sender)],
    ...message.recipients.map((r): [string, string] => ['recipient', `${sender(r.address)} ${r.state}`]),
    ['client', describeClient(envelope.client)],
    ['tls', envelope.tls === null ? 'none' : `${envelope.tls.protocol} ${envelope.tls.cipher}`],
    ['auth user', envelope.authUser ?? 'none'],
    ['listener', `${envelope.role} on ${envelope.listener}`],
    ['body type', `${envelope.body}${envelope.smtputf8 ? ', SMTPUTF8' : ''}`],
  ];
  if (envelope.envid !== undefined) fields.push(['envid', envelope.envid]);
  return formatFields(fields);
}
