// Drives postfix's smtp-source against one loopback port.
//
// smtp-source has no "N messages per connection" switch: without -d it opens a
// connection per message, and with -d each session keeps one connection until the
// whole -m count is used up. So "K messages per connection" runs back-to-back rounds
// of `smtp-source -d -s S -m K*S` from one shell loop: each round's S connections
// share K*S messages (K each on average), then quit. Between two rounds smtp-source
// exits and a new one starts, which on this kind of machine takes tens of
// milliseconds (see calibrate.mjs); the caller reports throughput both with that
// restart time and without it.
//
// -c makes smtp-source print a counter after each DATA, which gives a delivered
// count even when the harness has to stop a run at its time limit.

import { spawn } from 'node:child_process';
import { HOST } from './smtp.mjs';

export const SMTP_SOURCE = '/usr/sbin/smtp-source';

const SENDER = 'loadgen@client.test';
const RECIPIENT = 'user@bench.test';
const HELO_NAME = 'client.test';
const ROUND_MARK = '#round';

/** Load generators still running, so an interrupted bench can stop them. */
const running = new Set();

export function stopAllLoad() {
  for (const child of running) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

/**
 * Send `count` messages of `size` payload bytes over `sessions` parallel sessions,
 * `perConn` messages per connection. Resolves with { delivered, planned, rounds,
 * elapsedS, timedOut, exitCode, stderr }; never runs longer than `timeoutMs`.
 * `rounds` forces the round loop even for one message per connection (calibration).
 */
export function runSmtpSource({ port, size, sessions, perConn, count, timeoutMs, rounds: forcedRounds }) {
  const common = ['-c', '-s', String(sessions), '-l', String(size), '-f', SENDER, '-t', RECIPIENT, '-M', HELO_NAME];
  const target = `${HOST}:${port}`;
  const roundMode = perConn > 1 || forcedRounds !== undefined;
  let command;
  let args;
  let perRound = count;
  let rounds = 1;
  if (!roundMode) {
    command = SMTP_SOURCE;
    args = [...common, '-m', String(count), target];
  } else {
    perRound = perConn > 1 ? perConn * sessions : Math.max(1, Math.round(count / forcedRounds));
    rounds = forcedRounds ?? Math.max(1, Math.round(count / perRound));
    const keep = perConn > 1 ? ['-d'] : [];
    const loop = `r=$1; shift; i=0; while [ "$i" -lt "$r" ]; do "$@" || exit $?; echo '${ROUND_MARK}'; i=$((i + 1)); done`;
    command = '/bin/sh';
    args = ['-c', loop, 'sh', String(rounds), SMTP_SOURCE, ...common, ...keep, '-m', String(perRound), target];
  }
  const planned = perRound * rounds;

  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    running.add(child);
    let roundsDone = 0;
    let current = 0;
    let pending = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('latin1');
    child.stdout.on('data', (chunk) => {
      pending += chunk;
      const tokens = pending.split(/[\r\n]/);
      pending = tokens.pop();
      for (const token of tokens) {
        if (token === ROUND_MARK) {
          roundsDone++;
          current = 0;
        } else if (/^\d+$/.test(token)) {
          current = Number(token);
        }
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      if (stderr.length < 4000) stderr += chunk;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }, timeoutMs);
    child.on('error', (err) => {
      running.delete(child);
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (exitCode) => {
      running.delete(child);
      clearTimeout(timer);
      const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;
      const delivered = roundMode ? roundsDone * perRound + current : current;
      resolve({ delivered, planned, rounds, elapsedS, timedOut, exitCode, stderr: stderr.trim() });
    });
  });
}
