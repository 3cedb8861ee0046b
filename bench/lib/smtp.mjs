// Small loopback-only SMTP helpers for the harness: readiness, greeting latency,
// and holding many idle connections open.

import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export const HOST = '127.0.0.1';

/** Ask the kernel for a free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Connect once and resolve with the first reply line when it is a 220 greeting.
 * Rejects on a refused connection, another reply code, or after `timeoutMs`.
 */
export function readGreeting(port, timeoutMs = 2000) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const socket = net.connect({ host: HOST, port });
    let buffer = '';
    const finish = (err, value) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value);
    };
    const timer = setTimeout(() => finish(new Error(`no greeting within ${timeoutMs} ms`)), timeoutMs);
    socket.setEncoding('latin1');
    socket.on('error', (err) => finish(err));
    socket.on('data', (chunk) => {
      buffer += chunk;
      const end = buffer.indexOf('\n');
      if (end === -1) return;
      const line = buffer.slice(0, end).replace(/\r$/, '');
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (line.startsWith('220')) finish(null, { line, ms });
      else finish(new Error(`unexpected greeting: ${line}`));
    });
    socket.on('end', () => finish(new Error('closed before greeting')));
  });
}

/** Poll until the port greets with 220, or throw after `timeoutMs`. */
export async function waitForGreeting(port, { timeoutMs = 30_000, isAlive = () => true } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error('server exited before it was ready');
    try {
      return await readGreeting(port, 2000);
    } catch (err) {
      lastError = err;
      await sleep(100);
    }
  }
  throw new Error(`port ${port} not ready after ${timeoutMs} ms: ${lastError?.message}`);
}

/** Median time from connect() to the 220 line over `samples` sequential connections. */
export async function greetingLatencyMs(port, samples = 20) {
  const times = [];
  for (let i = 0; i < samples; i++) times.push((await readGreeting(port, 5000)).ms);
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/**
 * Open `count` connections (in batches, so the listen backlog never overflows), wait for
 * each one's 220 greeting, and keep them silent. Returns a handle reporting how many
 * greeted and how many the server has closed, and a close() that ends them all.
 */
export async function openIdleConnections(port, count, { batch = 100, greetTimeoutMs = 30_000 } = {}) {
  const sockets = [];
  let greeted = 0;
  let closedByServer = 0;
  let failed = 0;
  let closing = false;
  const openOne = () =>
    new Promise((resolve) => {
      const socket = net.connect({ host: HOST, port });
      sockets.push(socket);
      let seen = false;
      const timer = setTimeout(() => {
        if (!seen) {
          failed++;
          resolve();
        }
      }, greetTimeoutMs);
      socket.on('data', (chunk) => {
        if (!seen && chunk.toString('latin1').startsWith('220')) {
          seen = true;
          greeted++;
          clearTimeout(timer);
          resolve();
        }
      });
      socket.on('error', () => {});
      socket.on('close', () => {
        clearTimeout(timer);
        if (!closing) closedByServer++;
        if (!seen) {
          seen = true;
          failed++;
          resolve();
        }
      });
    });
  for (let i = 0; i < count; i += batch) {
    const n = Math.min(batch, count - i);
    await Promise.all(Array.from({ length: n }, openOne));
  }
  return {
    stats: () => ({ requested: count, greeted, failed, closedByServer }),
    close: async () => {
      closing = true;
      for (const socket of sockets) socket.destroy();
      await sleep(200);
    },
  };
}
