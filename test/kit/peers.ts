// Thin wrappers around the third-party peers: swaks, curl and the Python smtplib script.
// Each runs with a deadline and returns the raw transcript for assertions.
import { join } from 'node:path';
import { ROOT } from './petrel.js';
import { runTool, type ToolResult } from './tools.js';

export const PY_CLIENT = join(ROOT, 'test', 'peers', 'smtp_client.py');

/** swaks with a helo name and timeout set, e.g. `swaks(['--server', `127.0.0.1:${p}`, '--to', 'a@b'])`. */
export function swaks(args: string[], input?: string): Promise<ToolResult> {
  return runTool('swaks', ['--helo', 'peer.swaks.test', '--timeout', '20s', ...args], { input, timeoutMs: 40_000 });
}

/** Lines swaks shows from the server ("<- " plain, "<~ " under TLS), without the arrow. */
export function swaksServerLines(r: ToolResult): string[] {
  return (r.stdout + r.stderr)
    .split('\n')
    .filter((l) => /^\s*<[-~*]{1,2}\s/.test(l))
    .map((l) => l.replace(/^\s*<[-~*]{1,2}\s+/, ''));
}

/** curl with a deadline; `-sS` so errors are reported on stderr. */
export function curl(args: string[], input?: string): Promise<ToolResult> {
  return runTool('curl', ['-sS', '--max-time', '20', ...args], { input, timeoutMs: 40_000 });
}

export interface PyJob {
  port: number;
  mode?: 'plain' | 'starttls' | 'ssl';
  cafile?: string;
  timeout?: number;
  auth?: { mech: 'PLAIN' | 'LOGIN' | 'CRAM-MD5'; user: string; password: string; initial_response?: boolean };
  mail?: { from: string; to: string[]; body: string; mail_options?: string[]; rcpt_options?: string[] };
  pipeline?: boolean;
}

/** What smtp_client.py prints: every reply as [code, text]. */
export interface PyResult {
  greeting?: [number, string];
  ehlo?: [number, string];
  features?: string[];
  starttls?: [number, string];
  ehlo_tls?: [number, string];
  features_tls?: string[];
  auth?: [number, string];
  pipeline?: [number, string][];
  data?: [number, string];
  sent?: { refused: Record<string, [number, string]> };
  quit?: [number, string];
  error?: { type: string; code: number | null; msg: string | null; text: string; recipients?: Record<string, [number, string]> };
}

/** Runs test/peers/smtp_client.py with `job`. */
export async function runPython(job: PyJob): Promise<PyResult> {
  const r = await runTool('python3', [PY_CLIENT], { input: JSON.stringify(job), timeoutMs: 40_000 });
  try {
    return JSON.parse(r.stdout) as PyResult;
  } catch {
    throw new Error(`python peer failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}
