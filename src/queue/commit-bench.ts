// Throughput of durable acceptance: N concurrent "sessions" each commit messages of a given size in
// a loop for a while, on a fresh data dir. Not a test; run: node dist/src/queue/commit-bench.js [sessions] [bytes] [seconds]
// Also reports how busy the event loop was: the share of time it could not have served a socket.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openDatabase } from '../store/db.js';
import { makeEnvelope, patternedBody } from './testkit.js';
import { QueueWriter } from './writer.js';

const [sessions = 20, bodyBytes = 1024, seconds = 5] = process.argv.slice(2).map(Number);
const dataDir = mkdtempSync(join(tmpdir(), 'petrel-bench-'));
const db = openDatabase(join(dataDir, 'petrel.db'));
const queue = new QueueWriter(db, dataDir, { memoryBodyLimit: 256 * 1024 });
const body = patternedBody(bodyBytes, 0);
const latencies: number[] = [];
const deadline = performance.now() + seconds * 1000;

async function session(): Promise<void> {
  while (performance.now() < deadline) {
    const started = performance.now();
    const message = queue.open(makeEnvelope());
    for (let offset = 0; offset < body.length; offset += 64 * 1024) message.write(body.subarray(offset, offset + 64 * 1024));
    await message.commit();
    latencies.push(performance.now() - started);
  }
}

const started = performance.now();
const loopBefore = performance.eventLoopUtilization();
await Promise.all(Array.from({ length: sessions }, session));
const elapsed = (performance.now() - started) / 1000;
const loopBusy = performance.eventLoopUtilization(loopBefore).utilization;
latencies.sort((a, b) => a - b);
const percentile = (p: number) => latencies[Math.floor((latencies.length - 1) * p)]!.toFixed(2);
console.log(
  `${sessions} sessions, ${bodyBytes} B bodies: ${latencies.length} commits in ${elapsed.toFixed(1)} s = ` +
    `${Math.round(latencies.length / elapsed)} msg/s; ${queue.flushCount} transactions ` +
    `(${(latencies.length / queue.flushCount).toFixed(1)} msg each); latency ms p50 ${percentile(0.5)} p99 ${percentile(0.99)}; ` +
    `event loop busy ${(loopBusy * 100).toFixed(0)}%`,
);
await queue.close();
db.close();
rmSync(dataDir, { recursive: true, force: true });
