// The nodemailer contender of the outbound bench, run as a child process of the harness
// (bench/lib/nodemailer.mjs) so its CPU and memory are its own.
//
//   node bench/peers/nodemailer-pool.mjs SINK_PORT SIZE COUNT CONNECTIONS
//
// Over the IPC channel: it sends {type: 'ready'} once the transport exists; on
// {type: 'go'} it calls sendMail for all COUNT messages at once (the pool queues them
// and works them off over CONNECTIONS connections, reused without limit) and, when
// every callback has come back, sends {type: 'done', sent, failed, errors, elapsedS};
// on {type: 'quit'} it closes the pool and exits. Each message is the bench's message
// i (bench/lib/message.mjs) passed as `raw` with an explicit envelope, so nodemailer
// sends the same bytes as the other contenders; the raw source is a small stream over
// the message's header and the shared body, created at send time, so the queued
// messages do not sit in memory as N separate copies.

import { Readable } from 'node:stream';
import nodemailer from 'nodemailer';
import { MessageSet, RECIPIENT, SENDER } from '../lib/message.mjs';

const [port, size, count, connections] = process.argv.slice(2).map(Number);
if (!(port > 0 && size > 0 && count > 0 && connections > 0) || !process.send) {
  console.error('usage (as a forked child): nodemailer-pool.mjs SINK_PORT SIZE COUNT CONNECTIONS');
  process.exit(2);
}

const messages = new MessageSet(size, count);
const transport = nodemailer.createTransport({
  pool: true,
  maxConnections: connections,
  maxMessages: Infinity,
  host: '127.0.0.1',
  port,
  secure: false,
  ignoreTLS: true,
  name: 'nodemailer.bench.test',
  // The defaults (2 min connect, 30 s greeting, 10 min socket) are fine on loopback;
  // no logger, no debug.
  logger: false,
});

function go() {
  const started = process.hrtime.bigint();
  let sent = 0;
  let failed = 0;
  const errors = [];
  let left = count;
  const finish = () => {
    process.send({
      type: 'done',
      sent,
      failed,
      errors,
      elapsedS: Number(process.hrtime.bigint() - started) / 1e9,
    });
  };
  for (let i = 0; i < count; i++) {
    const raw = Readable.from(messages.parts(i), { objectMode: false });
    transport.sendMail({ envelope: { from: SENDER, to: [RECIPIENT] }, raw }, (err) => {
      if (err) {
        failed++;
        if (errors.length < 5) errors.push(err.message);
      } else sent++;
      if (--left === 0) finish();
    });
  }
}

process.on('message', (msg) => {
  if (msg?.type === 'go') go();
  else if (msg?.type === 'quit') {
    transport.close();
    process.disconnect();
    setTimeout(() => process.exit(0), 200).unref();
  }
});
process.on('disconnect', () => process.exit(0));

let version;
try {
  version = (await import('nodemailer/package.json', { with: { type: 'json' } })).default.version;
} catch {
  version = undefined;
}
process.send({ type: 'ready', version });
