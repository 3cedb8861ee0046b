// `node bench/contacts-import.mjs [rows] [domains]` (after npm run build): how long `petrel contacts
// import` takes for a generated CSV, with --no-mx-check and with MX checks against the test DNS server.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDnsServer } from '../dist/test/kit/dns-server.js';
import { contactsCsv } from './lib/contacts-csv.mjs';

const rows = Number(process.argv[2] ?? 100_000);
const domainCount = Number(process.argv[3] ?? 2_000);
const main = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'petrel-bench-contacts-'));

const zone = {};
for (let d = 0; d < domainCount; d++) zone[`d${d}.bench.test`] = { MX: [{ preference: 10, exchange: `mx.d${d}.bench.test` }] };
const dns = await startDnsServer(zone);
writeFileSync(join(dir, 'petrel.yaml'), `dns:\n  servers: ["${dns.server}"]\n`);

const file = join(dir, 'contacts.csv');
writeFileSync(file, contactsCsv(rows, domainCount));

// Asynchronous: the DNS server answers from this process's event loop.
async function run(list, extra) {
  const started = process.hrtime.bigint();
  const r = await promisify(execFile)(process.execPath, [main, 'contacts', 'import', file, '--list', list, '--json', ...extra, '--data-dir', dir], { maxBuffer: 1 << 28 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const result = JSON.parse(r.stdout);
  console.log(`${list}: ${rows} rows, ${domainCount} domains, ${extra.join(' ') || 'MX checks'}: ${seconds.toFixed(2)} s (imported ${result.imported}, updated ${result.updated}, skipped ${result.skipped.length}, warnings ${result.warnings.length})`);
}

try {
  await run('bench-no-mx', ['--no-mx-check']);
  await run('bench-mx', []); // the same contacts again: every row an update
  rmSync(join(dir, 'petrel.db'), { force: true });
  rmSync(join(dir, 'petrel.db-wal'), { force: true });
  rmSync(join(dir, 'petrel.db-shm'), { force: true });
  await run('bench-mx-fresh', []);
} finally {
  await dns.close();
  rmSync(dir, { recursive: true, force: true });
}
