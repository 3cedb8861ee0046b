// Terminal input and output helpers for the admin commands: reading a password from stdin and
// printing aligned tables or key/value lines. Reading throws UsageError for unusable input.
import { UsageError } from './errors.js';

const MAX_PASSWORD_BYTES = 1024;

/** Read a password from stdin: one line, trailing newline dropped, not empty, no NUL. */
export async function readPasswordFromStdin(stdin: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stdin) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    total += bytes.length;
    if (total > MAX_PASSWORD_BYTES) throw new UsageError(`password on stdin is longer than ${MAX_PASSWORD_BYTES} bytes`);
    chunks.push(bytes);
  }
  return checkPassword(Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, ''));
}

function checkPassword(password: string): string {
  if (password.length === 0) throw new UsageError('empty password on stdin');
  if (/[\r\n]/.test(password)) throw new UsageError('password on stdin must be a single line');
  // SASL PLAIN separates fields with NUL, so such a password could never be used.
  if (password.includes('\0')) throw new UsageError('password must not contain NUL');
  return password;
}

/** Left-aligned columns separated by two spaces, with a header row. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, col) => Math.max(header.length, ...rows.map((row) => (row[col] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, col) => (col === cells.length - 1 ? cell : cell.padEnd(widths[col]!))).join('  ');
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

/** `key: value` lines with the values aligned. */
export function formatFields(fields: readonly (readonly [string, string])[]): string {
  const width = Math.max(...fields.map(([key]) => key.length)) + 1;
  return fields.map(([key, value]) => `${`${key}:`.padEnd(width)} ${value}`).join('\n') + '\n';
}

/** Timestamps in the one unambiguous format. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString();
}

export function yesNo(flag: boolean): string {
  return flag ? 'yes' : 'no';
}
