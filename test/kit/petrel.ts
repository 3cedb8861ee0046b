// Starts the real `petrel serve` as a child process on loopback ports with a fresh data dir, and
// drives its CLI. Start-up fails (with the server's logs) if a listener does not greet within 20 s.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from 'node:net';
import { configYaml, HOSTNAME, type ConfigOverrides, type Ports } from './config.js';
import { freePorts } from './ports.js';

/** Repository root (this file runs from dist/test/kit/). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const MAIN = join(ROOT, 'dist', 'src', 'cli', 'main.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** One admin command run before the server starts, e.g. `{ args: ['domain', 'add', 'local.test', '--local'] }`. */
export interface AdminStep {
  args: string[];
  stdin?: string;
}

export interface PetrelOptions extends ConfigOverrides {
  setup?: AdminStep[]; // default: STANDARD_SETUP
  /** A fixed MX listener port (tests of delivery give every receiver the sender's delivery.mxPort). */
  mxPort?: number;
  /** Extra environment for `petrel serve` (secrets named by *Env config keys). */
  env?: Record<string, string>;
  /** Run server and CLI on a clock the test moves (PETREL_CLOCK_FILE, src/util/clock.ts). */
  clock?: boolean;
  /** keys/secret.key to start with (the nodes of a cluster share one). */
  secretKey?: Buffer;
}

export interface QueueRecipient {
  address: string;
  state: string;
}
export interface QueueItem {
  id: string;
  direction: string;
  state: string;
  receivedAt: number | string;
  sender: string;
  size: number;
  recipients: QueueRecipient[];
}
export interface QueueDetail extends QueueItem {
  envelope: {
    sender: string;
    recipients: { address: string; notify?: string[]; orcpt?: string }[];
    body: string;
    smtputf8: boolean;
    ret?: string;
    envid?: string;
    authUser: string | null;
    client: { address: string; port: number; helo: string };
    tls: { protocol: string; cipher: string } | null;
    role: string;
    listener: string;
    receivedAt: number;
  };
  bodyStorage: unknown;
}

export interface Petrel {
  ports: Ports;
  dataDir: string;
  configPath: string;
  hostname: string;
  /** PEM of the self-signed certificate (<dataDir>/tls/self-signed.crt), to use as CA. */
  caPath: string;
  ca(): Buffer;
  cli(args: string[], stdin?: string): Promise<CliResult>;
  /** `petrel queue list --json`; the CLI shows the newest 100 unless `--limit` says more. */
  queueList(limit?: number): Promise<QueueItem[]>;
  queueShow(id: string): Promise<QueueDetail>;
  /** Move the server's and the CLI's clock forward by `ms` (needs `clock: true`); waits until both see it. */
  advance(ms: number): Promise<void>;
  /** How far the test clock is ahead of real time, in ms. */
  readonly clockOffset: number;
  stop(): Promise<void>;
  kill9(): Promise<void>;
  restart(): Promise<void>;
  /** Stops the server and deletes the data dir (unless PETREL_KEEP_TEST_DATA is set). */
  dispose(): Promise<void>;
  readonly logs: string;
  readonly pid: number | undefined;
}

export const ALICE = { user: 'alice@example.test', password: 'alice-Secret-1', token: 'tok-alice' };
export const BOB = { user: 'bob@local.test', password: 'bob-Secret-2' };

/**
 * The fixture most tests share: local.test (MX, with user bob), catchall.test (MX, catch-all),
 * example.test (sending domain of alice).
 */
export const STANDARD_SETUP: AdminStep[] = [
  { args: ['domain', 'add', 'local.test', '--local'] },
  { args: ['domain', 'add', 'catchall.test', '--local', '--catch-all'] },
  { args: ['domain', 'add', 'example.test', '--sending'] },
  { args: ['user', 'add', ALICE.user, '--password-stdin'], stdin: ALICE.password + '\n' },
  { args: ['user', 'add', BOB.user, '--password-stdin'], stdin: BOB.password + '\n' },
];

const LOG_KEEP = 2_000_000;

/** Runs `petrel ARGS --data-dir DIR`; bounded by 30 s. */
export function runCli(dataDir: string, args: string[], stdin?: string, env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args, '--data-dir', dataDir], { stdio: 'pipe', env: { ...process.env, ...env } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin ?? '');
  });
}

/** Connects once (plain or implicit TLS) and reads the first line; true when it is a 220 greeting. */
async function probe(port: number, timeoutMs: number, tls = false, host = '127.0.0.1'): Promise<boolean> {
  const sock = tls
    ? (await import('node:tls')).connect({ host, port, rejectUnauthorized: false })
    : connect({ host, port });
  return new Promise((resolve) => {
    let data = '';
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    sock.on('error', () => finish(false));
    sock.on('close', () => finish(false));
    sock.on('data', (b: Buffer) => {
      data += b.toString('latin1');
      if (!data.includes('\n')) return;
      if (data.startsWith('220')) sock.write('QUIT\r\n');
      finish(data.startsWith('220'));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts a server; see Petrel. e.g. `const p = await startPetrel({ limits: { maxRecipients: 3 } })`. */
export async function startPetrel(opts: PetrelOptions = {}): Promise<Petrel> {
  const [mx, submission, submissions, alt, http] = await freePorts(5);
  const ports: Ports = { mx: opts.mxPort ?? mx!, submission: submission!, submissions: submissions!, alt: alt!, http: http! };
  const dataDir = mkdtempSync(join(tmpdir(), 'petrel-e2e-'));
  const configPath = join(dataDir, 'petrel.yaml'); // the default path, so admin commands read it too
  writeFileSync(configPath, configYaml(ports, opts));
  if (opts.secretKey) {
    mkdirSync(join(dataDir, 'keys'), { mode: 0o700 });
    writeFileSync(join(dataDir, 'keys', 'secret.key'), opts.secretKey, { mode: 0o600 });
  }
  const clockFile = opts.clock ? join(dataDir, 'clock-offset') : null;
  if (clockFile) writeFileSync(clockFile, '0');
  const clockEnv: Record<string, string> = clockFile ? { PETREL_CLOCK_FILE: clockFile } : {};
  for (const step of opts.setup ?? STANDARD_SETUP) {
    const r = await runCli(dataDir, step.args, step.stdin, clockEnv);
    if (r.code !== 0) {
      throw new Error(`setup "petrel ${step.args.join(' ')}" failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
    }
  }
  const mxAddress = (opts.listeners?.mx?.['address'] as string | undefined) ?? '127.0.0.1';
  // Another process may take a port between freePorts() and the bind: then try fresh ports (twice).
  for (let attempt = 1; ; attempt++) {
    const server = new ServerProcess(configPath, dataDir, ports, mxAddress, { ...opts.env, ...clockEnv });
    try {
      await server.start();
      return makeHandle(server, ports, dataDir, configPath, opts.hostname ?? HOSTNAME, clockFile);
    } catch (error) {
      if (attempt >= 3 || !String(error).includes('EADDRINUSE')) throw error;
      const [nmx, nsub, nsubs, nalt, nhttp] = await freePorts(5);
      Object.assign(ports, { mx: opts.mxPort ?? nmx!, submission: nsub!, submissions: nsubs!, alt: nalt!, http: nhttp! });
      writeFileSync(configPath, configYaml(ports, opts));
    }
  }
}

function makeHandle(server: ServerProcess, ports: Ports, dataDir: string, configPath: string, hostname: string, clockFile: string | null): Petrel {
  const caPath = join(dataDir, 'tls', 'self-signed.crt');
  const env: Record<string, string> = clockFile ? { PETREL_CLOCK_FILE: clockFile } : {};
  const cli = (args: string[], stdin?: string) => runCli(dataDir, args, stdin, env);
  let offset = 0;
  return {
    ports,
    dataDir,
    configPath,
    hostname,
    caPath,
    ca: () => readFileSync(caPath),
    cli,
    queueList: async (limit = 1_000_000) =>
      parseJson<QueueItem[]>(await cli(['queue', 'list', '--json', '--limit', String(limit)]), 'queue list'),
    queueShow: async (id) => parseJson<QueueDetail>(await cli(['queue', 'show', id, '--json']), 'queue show'),
    advance: async (ms) => {
      if (!clockFile) throw new Error('advance() needs startPetrel({ clock: true })');
      offset += ms;
      // Written aside and renamed into place, so the server never reads a half-written offset.
      writeFileSync(`${clockFile}.tmp`, String(offset));
      renameSync(`${clockFile}.tmp`, clockFile);
      await sleep(150); // the server re-reads the offset every 50 ms
    },
    get clockOffset() {
      return offset;
    },
    stop: () => server.stop(),
    kill9: () => server.kill9(),
    restart: async () => {
      await server.stop();
      await server.start();
    },
    dispose: async () => {
      await server.stop();
      if (!process.env.PETREL_KEEP_TEST_DATA) rmSync(dataDir, { recursive: true, force: true });
    },
    get logs() {
      return server.logs;
    },
    get pid() {
      return server.pid;
    },
  };
}

function parseJson<T>(r: CliResult, what: string): T {
  if (r.code !== 0) throw new Error(`petrel ${what} exited ${r.code}: ${r.stderr}${r.stdout}`);
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`petrel ${what} did not print JSON: ${r.stdout.slice(0, 2000)}`);
  }
}

/** The `petrel serve` child; start() waits for every listener's 220, stop() for the exit. */
class ServerProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private logBuf = '';

  constructor(
    private readonly configPath: string,
    private readonly dataDir: string,
    private readonly ports: Ports,
    private readonly mxAddress = '127.0.0.1',
    private readonly env: Record<string, string> = {},
  ) {}

  get logs(): string {
    return this.logBuf;
  }
  get pid(): number | undefined {
    return this.child?.pid;
  }

  private log(s: string): void {
    this.logBuf += s;
    if (this.logBuf.length > LOG_KEEP) this.logBuf = this.logBuf.slice(-LOG_KEEP / 2);
  }

  async start(): Promise<void> {
    const args = [MAIN, 'serve', '--config', this.configPath, '--data-dir', this.dataDir];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...this.env } });
    this.child = child;
    let gone = false;
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        gone = true;
        this.log(`\n[kit] petrel serve exited code=${code} signal=${signal}\n`);
        resolve();
      });
    });
    child.stdout!.on('data', (b: Buffer) => this.log(b.toString('utf8')));
    child.stderr!.on('data', (b: Buffer) => this.log(b.toString('utf8')));
    const deadline = Date.now() + 20_000;
    const todo: [number, boolean, string?][] = [
      [this.ports.mx, false, this.mxAddress],
      [this.ports.submission, false],
      [this.ports.submissions, true],
      [this.ports.alt, false],
    ];
    while (todo.length > 0) {
      if (gone) throw new Error(`petrel serve exited during start-up:\n${this.logBuf.slice(-5000)}`);
      if (Date.now() > deadline) {
        await this.kill9();
        throw new Error(`petrel serve did not greet on port ${todo[0]![0]} within 20 s:\n${this.logBuf.slice(-5000)}`);
      }
      const [port, tls, host] = todo[0]!;
      if (await probe(port, 3000, tls, host)) todo.shift();
      else await sleep(100);
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }

  async kill9(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await this.exited;
  }
}
