// How long smtp-source takes to restart between two rounds of the "K messages per
// connection" mode: from the QUIT reply of one round to the first connection of the
// next (process exit, the shell loop, fork + exec + dynamic loading of the new
// smtp-source). It is measured against a throwaway responder in this process that
// answers every command at once, so the figure holds no server time.

import net from 'node:net';
import { HOST } from './smtp.mjs';
import { runSmtpSource } from './load.mjs';

function startResponder() {
  const accepts = [];
  const quits = [];
  const server = net.createServer((socket) => {
    accepts.push(process.hrtime.bigint());
    socket.setNoDelay(true);
    let inData = false;
    let pending = '';
    socket.setEncoding('latin1');
    socket.write('220 calibrate ESMTP\r\n');
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      pending += chunk;
      let end;
      while ((end = pending.indexOf('\r\n')) !== -1) {
        const line = pending.slice(0, end);
        pending = pending.slice(end + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            socket.write('250 queued\r\n');
          }
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'DATA') {
          inData = true;
          socket.write('354 go on\r\n');
        } else if (verb === 'QUIT') {
          socket.end('221 bye\r\n');
          quits.push(process.hrtime.bigint());
        } else {
          socket.write('250 ok\r\n');
        }
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => resolve({ server, port: server.address().port, accepts, quits }));
  });
}

/** Median restart gap in seconds over `rounds` one-message rounds (null if unmeasurable). */
export async function smtpSourceRestartS(rounds = 12) {
  const { server, port, accepts, quits } = await startResponder();
  try {
    const run = await runSmtpSource({ port, size: 1024, sessions: 1, perConn: 1, rounds, count: rounds, timeoutMs: 30_000 });
    if (run.exitCode !== 0 || accepts.length < 2) return null;
    const gaps = [];
    for (let i = 1; i < accepts.length && i <= quits.length; i++) {
      gaps.push(Number(accepts[i] - quits[i - 1]) / 1e9);
    }
    gaps.sort((a, b) => a - b);
    return gaps[Math.floor(gaps.length / 2)];
  } finally {
    server.close();
  }
}
