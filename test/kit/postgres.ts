// A private PostgreSQL cluster for cluster-mode tests: initdb + pg_ctl of Debian's server binaries, run
// as the unprivileged `postgres` user (initdb refuses root), listening on a free loopback port and a
// socket in its own temp dir. Never the system service. stop()/start() keep the data for outage tests.
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { requireTool, runTool } from './tools.js';

export interface Postgres {
  /** postgres://petrel@127.0.0.1:PORT/petrel — trust auth on loopback, for tests only. */
  url: string;
  port: number;
  dir: string;
  /** Run SQL with psql (a third-party client); returns its unaligned output. */
  psql(sql: string): Promise<string>;
  /** Stop the server (fast shutdown), keeping its data. */
  stop(): Promise<void>;
  /** Start it again on the same port and data. */
  start(): Promise<void>;
  /** Stop and remove everything. */
  destroy(): Promise<void>;
  log(): string;
}

const RUN_AS = 'postgres';

/** The newest server binaries Debian installed (/usr/lib/postgresql/NN/bin); a clear error without them. */
export function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  if (versions.length === 0) throw new Error('peer PostgreSQL is not installed (run .ci/run or apt-get install postgresql)');
  versions.sort((a, b) => Number(b) - Number(a));
  return join(root, versions[0]!, 'bin');
}

export async function startPostgres(): Promise<Postgres> {
  const bin = postgresBin();
  const runuser = requireTool('runuser');
  const dir = mkdtempSync(join(tmpdir(), 'petrel-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const port = await freePort();
  const as = (cmd: string, args: string[], timeoutMs = 60_000) => runTool(runuser, ['-u', RUN_AS, '--', join(bin, cmd), ...args], { timeoutMs });
  const init = await as('initdb', ['-D', data, '-U', 'petrel', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  if (init.code !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=32MB`;
  const start = async (): Promise<void> => {
    const r = await as('pg_ctl', ['-D', data, '-l', logFile, '-o', opts, '-w', '-t', '60', 'start']);
    if (r.code !== 0) throw new Error(`pg_ctl start failed: ${r.stderr || r.stdout}\n${readLog(logFile)}`);
  };
  const stop = async (): Promise<void> => {
    await as('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
  };
  await start();
  const created = await as('createdb', ['-h', dir, '-p', String(port), '-U', 'petrel', 'petrel']);
  if (created.code !== 0) throw new Error(`createdb failed: ${created.stderr}`);
  const url = `postgres://petrel@127.0.0.1:${port}/petrel`;
  return {
    url,
    port,
    dir,
    async psql(sql) {
      const r = await runTool(join(bin, 'psql'), ['-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', url, '-c', sql]);
      if (r.code !== 0) throw new Error(`psql failed: ${r.stderr}`);
      return r.stdout.trim();
    },
    stop,
    start,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    log: () => readLog(logFile),
  };
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
