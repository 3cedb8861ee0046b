// Cluster mode, shared state: what an admin adds on one node is used by the others within a second.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from '../kit/cluster.js';
import { runTool } from '../kit/tools.js';

let cluster: Cluster;

before(async () => {
  cluster = await startCluster(3);
});
after(async () => {
  await cluster?.dispose();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll `check` every 50 ms for up to `ms`; the time it took, or a failure. */
async function within(ms: number, what: string, check: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await check()) return Date.now() - start;
    if (Date.now() - start > ms) assert.fail(`${what}: not seen within ${ms} ms`);
    await sleep(50);
  }
}

test('a user added with the CLI on node A can sign in on nodes B and C within a second', async () => {
  const [a, b, c] = cluster.nodes;
  const added = await a!.cli(['user', 'add', 'carol@example.test', '--password-stdin'], 'carol-Secret-3\n');
  assert.equal(added.code, 0, added.stderr);
  for (const node of [b!, c!]) {
    const took = await within(1000, 'user on another node', async () => {
      const out = await runTool('swaks', ['--server', `127.0.0.1:${node.ports.submission}`, '--tls', '--auth', 'PLAIN',
        '--auth-user', 'carol@example.test', '--auth-password', 'carol-Secret-3', '--quit-after', 'AUTH'], { timeoutMs: 20_000 });
      return /235 /.test(out.stdout);
    });
    assert.ok(took <= 1000);
  }
});
