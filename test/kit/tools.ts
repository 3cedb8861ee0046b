// Runs a third-party peer (swaks, curl, python3, smtp-source) and collects its output.
// A missing binary is a test failure with a clear message, never a skip; every run has a deadline.
import { spawn, spawnSync } from 'node:child_process';

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

/** Throws `peer tool "swaks" is not installed` when `cmd` is not on PATH. */
export function requireTool(cmd: string): void {
  const found = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  if (found.status !== 0) {
    throw new Error(`peer tool "${cmd}" is not installed (run .ci/run or apt-get install it)`);
  }
}

/**
 * Runs `cmd args` to completion, e.g.
 * `const r = await runTool('swaks', ['--server', `127.0.0.1:${port}`, '--quit-after', 'EHLO'])`.
 */
export function runTool(cmd: string, args: string[], opts: ToolOptions = {}): Promise<ToolResult> {
  requireTool(cmd);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: 'pipe' });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 30_000);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${cmd}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      resolve({ code, signal, stdout, stderr, timedOut });
    });
    child.stdin.on('error', () => undefined); // the tool may exit before reading all input
    child.stdin.end(opts.input ?? '');
  });
}

/** A short transcript for assertion messages. */
export function describeRun(r: ToolResult): string {
  const tail = (s: string) => (s.length > 3000 ? '...' + s.slice(-3000) : s);
  return `exit=${r.code} signal=${r.signal} timedOut=${r.timedOut}\n--- stdout\n${tail(r.stdout)}\n--- stderr\n${tail(r.stderr)}`;
}
