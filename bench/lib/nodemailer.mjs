// The nodemailer contender: a forked child (bench/peers/nodemailer-pool.mjs) with a
// pooled SMTP transport, 20 connections, unlimited messages per connection, sending
// the bench's messages to the sink. "Queued" for nodemailer means: the child is up,
// the transport exists and the messages are ready in memory; release sends every
// message into the pool at once.

import { fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BENCH_DIR } from './paths.mjs';

const PEER = join(BENCH_DIR, 'peers', 'nodemailer-pool.mjs');
const PKG = join(BENCH_DIR, 'node_modules', 'nodemailer', 'package.json');

function waitFor(predicate, deadlineMs) {
  return (async () => {
    while (!predicate() && Date.now() < deadlineMs) await sleep(20);
    return predicate();
  })();
}

export function nodemailerContender({ connections }) {
  let child = null;
  let exited = null;
  let ready = null;
  let done = null;

  const stopChild = async () => {
    if (!child || exited) return;
    try {
      child.send({ type: 'quit' });
    } catch {
      // channel already closed
    }
    for (let i = 0; i < 50 && !exited; i++) await sleep(100);
    if (!exited) child.kill('SIGKILL');
    for (let i = 0; i < 20 && !exited; i++) await sleep(100);
  };

  return {
    name: 'nodemailer',
    label: `nodemailer pool(${connections})`,
    unavailable: () => (existsSync(PKG) ? null : 'bench/node_modules/nodemailer missing (npm --prefix bench install)'),
    version: () => {
      try {
        return JSON.parse(readFileSync(PKG, 'utf8')).version;
      } catch {
        return undefined;
      }
    },
    async setup() {},
    async queue({ messages, count, sinkPort }) {
      await stopChild();
      exited = null;
      ready = null;
      done = null;
      child = fork(PEER, [String(sinkPort), String(messages.size), String(count), String(connections)], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      child.on('exit', (code, signal) => {
        exited = { code, signal };
      });
      child.on('message', (msg) => {
        if (msg?.type === 'ready') ready = msg;
        else if (msg?.type === 'done') done = msg;
      });
      const ok = await waitFor(() => ready !== null || exited !== null, Date.now() + 30_000);
      if (!ok || !ready) throw new Error(`nodemailer child not ready: ${JSON.stringify(exited) ?? 'timeout'}`);
      return { queued: count, note: 'messages prepared in the child' };
    },
    pidBeforeRelease: () => child?.pid ?? null,
    async release() {
      child.send({ type: 'go' });
      return { pid: child.pid };
    },
    failure() {
      if (exited) return `nodemailer child exited: ${JSON.stringify(exited)}`;
      if (done && done.failed > 0) return `nodemailer: ${done.failed} sends failed: ${done.errors[0]}`;
      return null;
    },
    async settle(deadlineMs) {
      const ok = await waitFor(() => done !== null || exited !== null, deadlineMs);
      if (!ok || !done) return { ok: false, detail: 'not every sendMail callback came back' };
      return {
        ok: done.failed === 0,
        detail: `${done.sent} sent, ${done.failed} failed in ${done.elapsedS.toFixed(2)} s (child's own clock)`,
      };
    },
    async finish() {
      const result = done ? { sent: done.sent, failed: done.failed, errors: done.errors, childElapsedS: done.elapsedS } : {};
      await stopChild();
      return result;
    },
    async teardown() {
      await stopChild();
    },
  };
}
