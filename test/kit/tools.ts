// Runs a third-party peer (swaks, curl, python3, smtp-source) and collects its output.
// A missing binary is a test failure with a clear message, never a skip; every run has a deadline.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface ToolResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface ToolOptions {
  input?: string | Buffer;
  timeoutMs?: number; // default 30 s; the tool is killed with SIGKILL after it
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

const SBIN_DIRS = ['/usr/sbin', '/sbin', '/usr/local/sbin']; // smtp-source lives here, often off PATH

/** Full path of `cmd`; throws `peer tool "swaks" is not installed` when it cannot be found. */
export function requireTool(cmd: string): string {
  const found = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd], { encoding: 'utf8' });
  if (found.status === 0 && found.stdout.trim()) return found.stdout.trim();
  for (const dir of SBIN_DIRS) {
    const p = join(dir, cmd);
    if (existsSync(p)) return p;
  }
  throw new Error(`peer tool "${cmd}" is not installed (run .ci/run or apt-get install it)`);
}

/**
 * Runs `cmd args` to completion, e.g.
 * `const r = await runTool('swaks', ['--server', `127.0.0.1:${port}`, '--quit-after', 'EHLO'])`.
 */
export function runTool(cmd: string, args: string[], opts: ToolOptions = {}): Promise<ToolResult> {
  const child = spawn(requireTool(cmd), args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: 'pipe' });
  child.stdin.on('error', () => undefined); // the tool may exit before reading all input
  child.stdin.end(opts.input ?? '');
  return collect(child, cmd, opts.timeoutMs ?? 30_000, 'reject');
}

/**
 * Gathers a child's output until it closes, killing it with SIGKILL after `timeoutMs`. A spawn
 * error either rejects or, for a tool left running in the background, is noted in its stderr.
 */
function collect(child: ChildProcess, cmd: string, timeoutMs: number, spawnError: 'reject' | 'record'): Promise<ToolResult> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  child.stdout!.on('data', (b: Buffer) => out.push(b));
  child.stderr!.on('data', (b: Buffer) => err.push(b));
  return new Promise((resolve, reject) => {
    child.on('error', (e) => {
      if (spawnError === 'record') return err.push(Buffer.from(String(e)));
      clearTimeout(timer);
      reject(new Error(`cannot run ${cmd}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      resolve({ code, signal, stdout, stderr: Buffer.concat(err).toString('utf8'), timedOut });
    });
  });
}

/** A short transcript for assertion messages. */
export function describeRun(r: ToolResult): string {
  const tail = (s: string) => (s.length > 3000 ? '...' + s.slice(-3000) : s);
  return `exit=${r.code} signal=${r.signal} timedOut=${r.timedOut}\n--- stdout\n${tail(r.stdout)}\n--- stderr\n${tail(r.stderr)}`;
}

/** A long-running peer (e.g. smtp-source under load); `stop()` kills it and resolves with its output. */
export interface RunningTool {
  child: ChildProcess;
  done: Promise<ToolResult>;
  stop(): Promise<ToolResult>;
}

/** Starts `cmd args` without waiting; it is killed with SIGKILL after `timeoutMs` (default 120 s). */
export function startTool(cmd: string, args: string[], timeoutMs = 120_000): RunningTool {
  const child = spawn(requireTool(cmd), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const done = collect(child, cmd, timeoutMs, 'record');
  return {
    child,
    done,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      return done;
    },
  };
}
