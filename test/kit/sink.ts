// Postfix's smtp-sink as a receiving MTA for delivery tests: listens on a loopback address, injects
// the faults its flags ask for, and dumps every accepted message to a file the test can read back.
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { startTool, type RunningTool } from './tools.js';

export interface SinkMessage {
  mailArgs: string; // the MAIL command's arguments, e.g. "FROM:<a@b> SIZE=12"
  rcptArgs: string[]; // one per RCPT
  heloArgs: string;
  clientAddr: string; // the address the client connected from
  content: string; // header and body as received (LF line ends, as smtp-sink writes them)
}

export interface Sink {
  address: string;
  port: number;
  messages(): SinkMessage[];
  /** Resolves once `n` messages were dumped; rejects after timeoutMs. Not in arrival order. */
  waitFor(n: number, timeoutMs?: number): Promise<SinkMessage[]>;
  /** Resolves once `n` messages containing `text` (e.g. a test's unique subject) were dumped. */
  waitForContent(text: string, n?: number, timeoutMs?: number): Promise<SinkMessage[]>;
  stop(): Promise<void>;
  readonly output: string;
}

/**
 * `startSink('127.0.0.2', port, ['-f', 'rcpt'])` starts `smtp-sink` answering 5xx to every RCPT.
 * Flags: -r CMDS (4xx), -f CMDS (5xx), -q CMDS (disconnect), -Q CMDS (421), -N (no DSN), -p (no pipelining).
 */
export async function startSink(address: string, port: number, flags: string[] = []): Promise<Sink> {
  const dir = mkdtempSync(join(tmpdir(), 'petrel-sink-'));
  chmodSync(dir, 0o777); // smtp-sink drops to nobody after binding
  const tool: RunningTool = startTool('smtp-sink', ['-u', 'nobody', '-d', `${dir}/%Y%m%d%H%M%S.`, ...flags, `${address.includes(':') ? `[${address}]` : address}:${port}`, '100'], 600_000);
  let output = '';
  tool.child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  tool.child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  await waitListening(address, port, () => output);
  const messages = () => readdirSync(dir).sort().map((f) => parseDump(readFileSync(join(dir, f), 'utf8')));
  const until = async (pick: () => SinkMessage[], n: number, timeoutMs: number, what: string) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = pick();
      if (found.length >= n) return found;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`smtp-sink on ${address}:${port} has ${pick().length} ${what}, expected ${n}; output:\n${output}`);
  };
  return {
    address,
    port,
    messages,
    waitFor: (n, timeoutMs = 30_000) => until(messages, n, timeoutMs, 'messages'),
    waitForContent: (text, n = 1, timeoutMs = 30_000) =>
      until(() => messages().filter((m) => m.content.includes(text)), n, timeoutMs, `messages with "${text}"`),
    stop: async () => {
      await tool.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    get output() {
      return output;
    },
  };
}

function parseDump(text: string): SinkMessage {
  const lines = text.split('\n');
  const out: SinkMessage = { mailArgs: '', rcptArgs: [], heloArgs: '', clientAddr: '', content: '' };
  let i = 0;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('X-Mail-Args: ')) out.mailArgs = line.slice(13);
    else if (line.startsWith('X-Rcpt-Args: ')) out.rcptArgs.push(line.slice(13));
    else if (line.startsWith('X-Helo-Args: ')) out.heloArgs = line.slice(13);
    else if (line.startsWith('X-Client-Addr: ')) out.clientAddr = line.slice(15);
    else if (line.startsWith('Received: ')) break;
  }
  // smtp-sink's own Received header is three lines; the client's message follows it.
  out.content = lines.slice(i + 3).join('\n');
  return out;
}

async function waitListening(address: string, port: number, output: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: address, port }, () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`smtp-sink did not listen on ${address}:${port}: ${output()}`);
}
