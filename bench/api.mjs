// `npm run bench:api`: how many POST /v1/messages (small JSON message, 1 KiB text) `petrel serve`
// accepts per second, with autocannon on loopback, and whether every 202 is a queued message
// (durable enqueue). Exits 1 when a run's 202s and the queue disagree or a run has errors.

import autocannon from 'autocannon';
import { parseArgs } from 'node:util';
import { treeCpuSeconds } from './lib/proc.mjs';
import { queuedMessages, SENDER_DOMAIN, startPetrelApi } from './lib/petrel-api.mjs';

const USAGE = `usage: node bench/api.mjs [options]     (npm run bench:api -- [options])

  --connections LIST   concurrent HTTP connections, one run each (default 10,50,100)
  --requests N         requests per run (default 20000)
  --seconds S          stop a run after S seconds even if requests remain (default 60)
  --warmup N           requests sent first and not reported, so the JIT has compiled the path (default 3000)
  --keep               keep the temporary data directory and log
  -h, --help           this text

PETREL_BENCH_CPU_PROF=DIR writes a CPU profile of Petrel into DIR.
`;

const { values: opts } = parseArgs({
  options: {
    connections: { type: 'string', default: '10,50,100' },
    requests: { type: 'string', default: '20000' },
    seconds: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '3000' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const TEXT = 'x'.repeat(1023) + '\n'; // 1 KiB of text
const body = JSON.stringify({ from: `alice@${SENDER_DOMAIN}`, to: ['bob@dest.bench.test'], subject: 'API bench', text: TEXT });

function run(petrel, connections, amount, seconds) {
  return new Promise((resolve, reject) => {
    const instance = autocannon({
      url: `${petrel.base}/v1/messages`, method: 'POST', connections, amount, duration: seconds,
      headers: { authorization: `Bearer ${petrel.key}`, 'content-type': 'application/json' }, body,
    }, (err, result) => (err ? reject(err) : resolve(result)));
    instance.on('error', reject);
  });
}

const petrel = await startPetrelApi({ keep: opts.keep });
let failed = false;
try {
  console.log(`Petrel pid ${petrel.pid}, data ${petrel.dataDir}; body ${body.length} bytes of JSON`);
  if (Number(opts.warmup) > 0) await run(petrel, 50, Number(opts.warmup), Number(opts.seconds));
  console.log('conns   requests   req/s    p50 ms  p99 ms  max ms   2xx      non-2xx  errors  queued  Petrel CPU ms/req  client CPU s');
  for (const connections of opts.connections.split(',').map(Number)) {
    const before = queuedMessages(petrel.dataDir);
    const cpuBefore = treeCpuSeconds([petrel.pid]);
    const clientBefore = process.cpuUsage();
    const r = await run(petrel, connections, Number(opts.requests), Number(opts.seconds));
    const queued = queuedMessages(petrel.dataDir) - before;
    const cpu = treeCpuSeconds([petrel.pid]) - cpuBefore;
    const client = process.cpuUsage(clientBefore);
    const ok = r['2xx'];
    const durable = queued === ok;
    failed ||= !durable || r.errors > 0 || r.non2xx > 0;
    const rate = ok / (r.duration || 1);
    console.log([
      String(connections).padEnd(7), String(r.requests.total).padEnd(10), rate.toFixed(0).padEnd(8),
      String(r.latency.p50).padEnd(7), String(r.latency.p99).padEnd(7), String(r.latency.max).padEnd(8),
      String(ok).padEnd(8), String(r.non2xx).padEnd(8), String(r.errors).padEnd(7),
      `${queued}${durable ? '' : ' (!= 2xx)'}`.padEnd(7), ((cpu * 1000) / (r.requests.total || 1)).toFixed(2).padEnd(17),
      ((client.user + client.system) / 1e6).toFixed(1),
    ].join(' '));
  }
} finally {
  await petrel.stop();
}
if (failed) {
  console.error(`some run had errors, non-2xx replies, or 2xx replies without a queued message${opts.keep ? `; log: ${petrel.logFile}` : ' (--keep keeps the log)'}`);
  process.exit(1);
}
