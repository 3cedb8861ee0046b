// The receiving end of the outbound bench: postfix's smtp-sink on 127.0.0.1, shared by
// every contender, and a live count of the messages it has received.
//
// Counting: with -c, smtp-sink prints its counters ("sess=S quit=Q mesg=M", separated
// by carriage returns) to stdout every time a session ends, a QUIT arrives or a
// message's final "." is received; it answers that "." with 250 right away and keeps
// nothing. The harness reads the pipe and keeps the latest mesg value with the time it
// was read, so the count is exact (a C counter in the sink) and its timing is as fresh
// as the harness's event loop. Contenders are measured one at a time, so the increase
// of mesg during a run is that contender's deliveries.
//
// Envelope check (the pool case): with `dumpFile` the sink also appends every mail
// transaction to that file (-D), headed by its own X-Mail-Args line (the MAIL command's
// arguments); mailSenders() reads the MAIL FROM addresses back, and resetDump() empties the
// file before a run. The dump costs the sink a file write per message, so it is on only
// when a run asks for it, and then for every contender of that run alike.

import { spawn } from 'node:child_process';
import { chmodSync, closeSync, createReadStream, existsSync, mkdirSync, openSync, truncateSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { SMTP_SINK } from './servers.mjs';
import { HOST, waitForGreeting } from './smtp.mjs';
import { setTimeout as sleep } from 'node:timers/promises';

export { SMTP_SINK };

/**
 * Start smtp-sink on `port`; `logFile` gets its stderr. Resolves with a handle:
 * count() (messages received so far), sessions() (connections so far), lastAt() (hrtime ns of the last increase),
 * onChange(fn) (called with (count, hrtimeNs) on every increase; returns an unsubscribe),
 * pid, port, stop(); with `dumpFile`, also resetDump() and mailSenders().
 */
export async function startSink({ port, logFile, backlog = 1000, maxConnections = 1000, dumpFile = null }) {
  if (!existsSync(SMTP_SINK)) throw new Error(`${SMTP_SINK} missing: apt-get install postfix`);
  // -c: counters on stdout. -h: the name in its greeting. -m: concurrent sessions
  // (256 by default; Postfix, Petrel and nodemailer use 20 each, one at a time).
  // -u: it refuses to keep root privileges. PIPELINING is announced by default.
  const args = ['-c', '-h', 'sink.test', '-m', String(maxConnections), `${HOST}:${port}`, String(backlog)];
  if (dumpFile) {
    // The sink drops root for nobody, who must be able to create the file.
    mkdirSync(dirname(dumpFile), { recursive: true });
    chmodSync(dirname(dumpFile), 0o777);
    args.unshift('-D', dumpFile);
  }
  if (process.getuid?.() === 0) args.unshift('-u', 'nobody');
  const fd = openSync(logFile, 'a');
  const child = spawn(SMTP_SINK, args, { stdio: ['ignore', 'pipe', fd], detached: true });
  closeSync(fd);
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });
  let count = 0;
  let sessions = 0;
  let lastAt = process.hrtime.bigint();
  let pending = '';
  const listeners = new Set();
  child.stdout.setEncoding('latin1');
  child.stdout.on('data', (chunk) => {
    pending += chunk;
    const records = pending.split(/[\r\n]/);
    pending = records.pop();
    let latest = null;
    for (const record of records) {
      const match = /mesg=(\d+)/.exec(record);
      if (match) latest = Number(match[1]);
      const sess = /sess=(\d+)/.exec(record);
      if (sess) sessions = Math.max(sessions, Number(sess[1]));
    }
    if (latest !== null && latest > count) {
      count = latest;
      lastAt = process.hrtime.bigint();
      for (const fn of listeners) fn(count, lastAt);
    }
  });

  const handle = {
    pid: child.pid,
    port,
    count: () => count,
    /** Sessions (connections) the sink has had so far, as its sess= counter said last. */
    sessions: () => sessions,
    lastAt: () => lastAt,
    isAlive: () => exited === null,
    onChange(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    /** Empty the dump file (between runs, when no transaction is open). */
    resetDump() {
      if (dumpFile && existsSync(dumpFile)) truncateSync(dumpFile, 0);
    },
    /** MAIL FROM addresses of the dumped transactions since the last reset: Map address -> count. */
    mailSenders: () => (dumpFile ? readMailSenders(dumpFile) : Promise.resolve(null)),
    async stop() {
      if (exited) return;
      try {
        process.kill(child.pid, 'SIGTERM');
      } catch {
        return;
      }
      for (let i = 0; i < 30 && !exited; i++) await sleep(100);
      if (!exited) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    },
  };
  try {
    handle.greeting = (await waitForGreeting(port, { timeoutMs: 10_000, isAlive: handle.isAlive })).line;
  } catch (err) {
    await handle.stop();
    throw new Error(`smtp-sink did not start: ${err.message}`);
  }
  // waitForGreeting's probe connections count as sessions, not messages.
  return handle;
}

/** Counts the MAIL FROM addresses of the X-Mail-Args lines ("<a@b> SIZE=..": the arguments after FROM:) of a dump file. */
async function readMailSenders(file) {
  const senders = new Map();
  if (!existsSync(file)) return senders;
  const lines = createInterface({ input: createReadStream(file, { encoding: 'latin1' }), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.startsWith('X-Mail-Args:')) continue;
    const address = /<([^>]*)>/.exec(line)?.[1] ?? `(unparsed: ${line.slice(0, 60)})`;
    senders.set(address, (senders.get(address) ?? 0) + 1);
  }
  return senders;
}
