// `petrel events list|tail`: the event log as a table or JSON lines, and a follower of new events that
// runs until SIGINT/SIGTERM. Bad options exit 2; database errors exit 1.
import { Option, type Command } from 'commander';
import { z } from 'zod';
import { toPublicEvent } from '../../events/json.js';
import { newestSharedEvents, sharedEventReader } from '../../cluster/events.js';
import { newestEvents, tailEvents } from '../../events/tail.js';
import { EVENT_TYPES, type EventType, type StoredEvent } from '../../events/types.js';
import { configFor, withDatabase } from '../context.js';
import { UsageError } from '../errors.js';
import { formatTable, formatTime } from '../io.js';

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `90s`, `15m`, `1h`, `2d`, `1w` in ms; UsageError otherwise. */
export function parseDuration(text: string, option: string): number {
  const match = /^(\d{1,9})([smhdw])$/.exec(text.trim());
  if (!match || Number(match[1]) === 0) throw new UsageError(`${option}: "${text}" is not a duration like 30m, 1h or 2d`);
  return Number(match[1]) * UNITS[match[2]!]!;
}

/** A duration back from `now` (`1h`) or an ISO time; ms since the epoch. */
export function parsePastTime(text: string, option: string, now = Date.now()): number {
  if (/^\d{4}-\d\d-\d\d/.test(text)) return parseIso(text, option);
  return now - parseDuration(text, option);
}

/** An ISO 8601 time; UsageError otherwise. */
export function parseIso(text: string, option: string): number {
  const ms = /^\d{4}-\d\d-\d\d/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) throw new UsageError(`${option}: "${text}" is not an ISO time`);
  return ms;
}

function parseTypes(text: string | undefined): EventType[] | undefined {
  if (text === undefined) return undefined;
  const types = text.split(',').map((t) => t.trim()).filter(Boolean);
  for (const t of types) {
    if (!(EVENT_TYPES as readonly string[]).includes(t)) throw new UsageError(`--type: unknown event type "${t}" (one of ${EVENT_TYPES.join(', ')})`);
  }
  return types as EventType[];
}

const count = (name: string) => z.coerce.number().int().positive({ error: `--${name} must be a positive whole number` });

const listOptions = z.object({
  since: z.string().optional(),
  type: z.string().optional(),
  message: z.string().optional(),
  recipient: z.string().optional(),
  domain: z.string().optional(),
  limit: count('limit').default(100),
  json: z.boolean().default(false),
});

const tailOptions = z.object({
  type: z.string().optional(),
  json: z.boolean().default(false),
  from: z.coerce.number().int().nonnegative({ error: '--from must be an event id' }).optional(),
  max: count('max').optional(),
});

export function registerEventsCommands(program: Command): void {
  const events = program.command('events').description('the event log: deliveries, bounces, complaints, suppressions');
  events
    .command('list')
    .description('the newest events, oldest first')
    .option('--since <when>', 'only events since a time: a duration back (1h, 2d) or an ISO time')
    .option('--type <types>', `only these types, comma-separated (${EVENT_TYPES.join(', ')})`)
    .option('--message <id>', 'only events of this queue id')
    .option('--recipient <address>', 'only events of this recipient')
    .option('--domain <domain>', 'only events of this sending domain')
    .option('--limit <n>', 'how many events to show', '100')
    .option('--json', 'print one JSON object per line')
    .action(async (raw: unknown, command: Command) => {
      const o = listOptions.parse(raw);
      const query = {
        limit: o.limit,
        ...(o.since === undefined ? {} : { since: parsePastTime(o.since, '--since') }),
        ...(o.type === undefined ? {} : { types: parseTypes(o.type) }),
        ...(o.message === undefined ? {} : { messageId: o.message }),
        ...(o.recipient === undefined ? {} : { recipient: o.recipient }),
        ...(o.domain === undefined ? {} : { sendingDomain: o.domain }),
      };
      // In cluster mode the global stream: every node's events, in one order.
      const { found, cluster } = await withDatabase(configFor(command), async (db, node) => ({
        found: node ? await newestSharedEvents(node.shared, query) : newestEvents(db, query),
        cluster: node !== null,
      }));
      process.stdout.write(o.json ? found.map(jsonLine).join('') : eventTable(found, cluster));
    });
  events
    .command('tail')
    .description('print new events as they are committed, until interrupted')
    .option('--type <types>', 'only these types, comma-separated')
    .option('--from <id>', 'start after this event id (default: only events from now on)')
    .option('--json', 'print one JSON object per line')
    .addOption(new Option('--max <n>', 'exit after this many events').hideHelp())
    .action(async (raw: unknown, command: Command) => {
      const o = tailOptions.parse(raw);
      const types = parseTypes(o.type);
      await withDatabase(configFor(command), (db, cluster) => followUntilSignal(cluster ? sharedEventReader(cluster.shared) : db, { ...o, types, cluster: cluster !== null }));
    });
}

async function followUntilSignal(
  source: Parameters<typeof tailEvents>[0],
  o: { json: boolean; from?: number | undefined; max?: number | undefined; types: EventType[] | undefined; cluster: boolean },
): Promise<void> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    const opts = {
      signal: stop.signal,
      ...(o.from === undefined ? {} : { fromId: o.from }),
      ...(o.max === undefined ? {} : { max: o.max }),
      ...(o.types === undefined ? {} : { types: o.types }),
    };
    await tailEvents(source, opts, (e) => write(o.json ? jsonLine(e) : eventLine(e, o.cluster)));
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}

/** Write, waiting for a slow reader (a pipe) to drain. */
function write(text: string): Promise<void> | void {
  if (!process.stdout.write(text)) return new Promise((resolve) => process.stdout.once('drain', () => resolve()));
}

const jsonLine = (e: StoredEvent) => `${JSON.stringify(toPublicEvent(e))}\n`;

const HEADERS = ['TIME', 'TYPE', 'RECIPIENT', 'MESSAGE', 'CLASS', 'REPLY'];

/** The row of an event; in cluster mode a NODE column after TIME says where it happened. */
function eventCells(e: StoredEvent, cluster: boolean): string[] {
  const classification = [e.class, e.reason].filter((p) => p !== null).join('/');
  const node = cluster ? [e.node ?? '-'] : [];
  return [formatTime(e.at), ...node, e.type, e.recipient ?? '-', e.messageId ?? '-', classification || '-', shortReply(e)];
}

function eventTable(events: StoredEvent[], cluster: boolean): string {
  if (events.length === 0) return 'no matching events\n';
  const headers = cluster ? [HEADERS[0]!, 'NODE', ...HEADERS.slice(1)] : HEADERS;
  return formatTable(headers, events.map((e) => eventCells(e, cluster)));
}

function eventLine(e: StoredEvent, cluster: boolean): string {
  return `${eventCells(e, cluster).join('  ')}\n`;
}

/** `550 5.1.1 user unknown`, one line, at most 60 characters. */
function shortReply(e: StoredEvent): string {
  const text = [e.code, e.enhanced, e.text].filter((p) => p !== null).join(' ').replace(/\s+/g, ' ').trim();
  return text.length > 60 ? `${text.slice(0, 59)}…` : text || '-';
}
