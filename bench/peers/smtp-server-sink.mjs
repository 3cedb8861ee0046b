// An accept-and-discard SMTP server built on the smtp-server package, for comparison.
// Usage: node smtp-server-sink.mjs PORT   (listens on 127.0.0.1 only)
//
// smtp-server holds every new connection for a fixed 100 ms before it greets (an
// "early talker" check, set up in SMTPConnection#init). With that delay a run is
// bounded by sessions / 0.1 s and says nothing about the server, so this script
// patches it out at run time: while init() runs, a 100 ms timer becomes a 0 ms one.
// For plain-TCP connections init() arms that timer synchronously, so the swap of
// the global setTimeout covers exactly that call.

import { SMTPServer } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

const GREETING_DELAY_MS = 100;

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: node smtp-server-sink.mjs PORT');
  process.exit(2);
}

const originalInit = SMTPConnection.prototype.init;
if (!/setTimeout\([\s\S]*?,\s*100\s*\)/.test(originalInit.toString())) {
  console.error('warning: SMTPConnection#init has no 100 ms timer; smtp-server changed, check the patch');
}
SMTPConnection.prototype.init = function initWithoutGreetingDelay(...args) {
  const realSetTimeout = globalThis.setTimeout;
  globalThis.setTimeout = (callback, ms, ...rest) =>
    realSetTimeout(callback, ms === GREETING_DELAY_MS ? 0 : ms, ...rest);
  try {
    return originalInit.apply(this, args);
  } finally {
    globalThis.setTimeout = realSetTimeout;
  }
};

const server = new SMTPServer({
  name: 'bench.test',
  banner: 'smtp-server bench sink',
  logger: false,
  authOptional: true,
  disabledCommands: ['AUTH', 'STARTTLS'],
  // Reverse DNS would query the resolver; the bench talks to 127.0.0.1 only.
  disableReverseLookup: true,
  size: 64 * 1024 * 1024,
  onData(stream, _session, callback) {
    stream.on('end', () => callback());
    stream.resume();
  },
});

server.on('error', (err) => console.error('smtp-server error:', err.message));
server.listen(port, '127.0.0.1', () => {
  console.log(`smtp-server sink listening on 127.0.0.1:${port}`);
});

const shutdown = () => {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
