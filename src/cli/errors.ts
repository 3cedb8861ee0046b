// Turns any error escaping a command into one line on stderr and an exit status: 2 for usage and
// config mistakes, 1 for everything else. Never throws and never prints a stack trace.
import { CommanderError } from 'commander';
import { ConfigError } from '../config/errors.js';
import { StoreError } from '../store/errors.js';
import { ZodError } from 'zod';

/** A mistake in how the command was invoked (exit status 2). */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const EXIT_OK = 0;
export const EXIT_RUNTIME = 1;
export const EXIT_USAGE = 2;

/** The exit status for an error thrown by a command. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  if (err instanceof UsageError || err instanceof ConfigError || err instanceof ZodError) return EXIT_USAGE; // options fail their schema
  if (err instanceof StoreError && err.code === 'invalid') return EXIT_USAGE;
  return EXIT_RUNTIME;
}

/** The single line to print for an error, or null when commander has already said it. */
export function describeError(err: unknown): string | null {
  if (err instanceof CommanderError) return null;
  if (err instanceof ConfigError) {
    const where = err.file === undefined ? '' : ` in ${err.file}`;
    return `petrel: config error${where}: ${oneLine(err.message)}`;
  }
  if (err instanceof ZodError) return `petrel: ${oneLine(err.issues[0]?.message ?? 'bad options')}`;
  const message = err instanceof Error ? err.message : String(err);
  return `petrel: ${oneLine(message)}`;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
