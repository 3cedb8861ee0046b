// Several `petrel serve` nodes on one private PostgreSQL (test/kit/postgres.ts): each with its own data
// directory, queue and ports, all with the same keys/secret.key, named node-a, node-b, ...
import { randomBytes } from 'node:crypto';
import { startPetrel, STANDARD_SETUP, type Petrel, type PetrelOptions } from './petrel.js';
import { startPostgres, type Postgres } from './postgres.js';

export interface Cluster {
  pg: Postgres;
  nodes: Petrel[];
  secretKey: Buffer;
  /** Start one more node (a data directory of its own) on the same PostgreSQL. */
  addNode(name: string, opts?: PetrelOptions): Promise<Petrel>;
  dispose(): Promise<void>;
}

export const NODE_NAMES = ['node-a', 'node-b', 'node-c', 'node-d'];

/** `count` nodes; the setup steps (default STANDARD_SETUP) run on the first, the others start empty. */
export async function startCluster(count: number, opts: PetrelOptions = {}): Promise<Cluster> {
  const pg = await startPostgres();
  const secretKey = randomBytes(32);
  const nodes: Petrel[] = [];
  const started: Petrel[] = []; // for clean-up when one fails to start
  const start = async (name: string, more: PetrelOptions = {}) => {
    const p = await startPetrel({
      ...opts,
      ...more,
      secretKey,
      store: { postgres: { url: pg.url, poolSize: 4 } },
      node: { name, deadAfterSeconds: 3, ...opts.node, ...more.node },
    });
    started.push(p);
    return p;
  };
  const addNode = async (name: string, more: PetrelOptions = {}) => {
    const p = await start(name, more);
    nodes.push(p);
    return p;
  };
  try {
    await addNode(NODE_NAMES[0]!, { setup: opts.setup ?? STANDARD_SETUP });
    // The others start empty and together: each joins and copies the shared state from PostgreSQL.
    nodes.push(...await Promise.all(NODE_NAMES.slice(1, count).map((name) => start(name, { setup: [] }))));
  } catch (err) {
    await Promise.allSettled(started.map((n) => n.dispose()));
    await pg.destroy();
    throw err;
  }
  return {
    pg,
    nodes,
    secretKey,
    addNode,
    async dispose() {
      await Promise.all(nodes.map((n) => n.dispose()));
      await pg.destroy();
    },
  };
}
