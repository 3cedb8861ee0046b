// The Postfix contender: a private instance (bench/lib/postfix.mjs) fed by the bench's
// feeder through its own smtpd, which puts everything on hold; release takes it off
// hold and flushes; settled when the instance's queues are empty. Verification counts
// the "status=sent" lines the instance logged for the run.

import { openSync, readSync, closeSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { feed } from './feeder.mjs';
import { RECIPIENT, SENDER } from './message.mjs';
import { postfixUnavailable, postfixVersion, startPostfix } from './postfix.mjs';
import { freePort, waitForGreeting } from './smtp.mjs';

function logSince(file, offset) {
  let size;
  try {
    size = statSync(file).size;
  } catch {
    return '';
  }
  if (size <= offset) return '';
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(size - offset);
    readSync(fd, buf, 0, buf.length, offset);
    return buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function logSize(file) {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

export function postfixContender({ connections }) {
  let pf = null;
  let logOffset = 0;
  return {
    name: 'postfix',
    label: `Postfix(${connections})`,
    unavailable: postfixUnavailable,
    version: postfixVersion,
    async setup({ workDir, sinkPort }) {
      const port = await freePort();
      pf = await startPostfix({ dir: workDir, port, sinkPort, concurrency: connections });
      await waitForGreeting(port, { timeoutMs: 30_000 });
    },
    async queue({ messages, count, feedTimeoutS }) {
      if (pf.pending() > 0) await pf.purge();
      const fed = await feed({
        port: pf.port,
        count,
        connections,
        parts: (i) => messages.parts(i),
        from: SENDER,
        to: RECIPIENT,
        timeoutMs: feedTimeoutS * 1000,
      });
      if (fed.accepted !== count) {
        throw new Error(`feed: ${fed.accepted}/${count} accepted: ${fed.errors[0] ?? ''}`);
      }
      // smtpd answers 250 once cleanup has written the queue file into hold/.
      let counts = pf.queueCounts();
      for (let i = 0; i < 300 && counts.hold < count; i++) {
        await sleep(100);
        counts = pf.queueCounts();
      }
      const elsewhere = counts.maildrop + counts.incoming + counts.active + counts.deferred;
      if (counts.hold !== count || elsewhere > 0) {
        throw new Error(`queue after feeding: ${JSON.stringify(counts)}, wanted ${count} on hold`);
      }
      logOffset = logSize(pf.maillog);
      return { queued: counts.hold, fedS: fed.elapsedS, note: `${count} on hold` };
    },
    pidBeforeRelease: () => pf.masterPid(),
    async release() {
      await pf.release();
      return { pid: pf.masterPid() };
    },
    failure() {
      return pf.masterPid() ? null : 'postfix master is gone';
    },
    async settle(deadlineMs) {
      let pending = pf.pending();
      while (pending > 0 && Date.now() < deadlineMs) {
        await sleep(50);
        pending = pf.pending();
      }
      return pending === 0
        ? { ok: true, detail: 'queue empty' }
        : { ok: false, detail: `${pending} messages still queued: ${JSON.stringify(pf.queueCounts())}` };
    },
    async finish() {
      // postlogd writes asynchronously; give it a moment.
      await sleep(300);
      const text = logSince(pf.maillog, logOffset);
      const count = (re) => (text.match(re) ?? []).length;
      return {
        sent: count(/status=sent/g),
        deferred: count(/status=deferred/g),
        bounced: count(/status=bounced/g),
        warnings: count(/: (warning|fatal|panic):/g),
        queueCounts: pf.queueCounts(),
      };
    },
    async teardown() {
      if (pf) await pf.stop();
    },
  };
}
