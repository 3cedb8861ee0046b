// ConfigError: the one error type for a bad or unreadable configuration, and the formatting of zod
// issues into "path: problem" text. Pure; never throws.
import type { z } from 'zod';

/** A configuration problem; `message` names the setting, e.g. `limits.maxRecipientz: unknown key`. */
export class ConfigError extends Error {
  constructor(
    message: string,
    /** The file that was being loaded, when there was one. */
    readonly file?: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Dotted path of a setting, e.g. `listeners.0.port`; the root is `(root)`. */
export function settingPath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(root)' : path.map(String).join('.');
}

/** One line per problem, joined with "; " so the CLI can print a single line. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.flatMap(describeIssue).join('; ');
}

function describeIssue(issue: z.core.$ZodIssue): string[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${settingPath([...issue.path, key])}: unknown key`);
  }
  return [`${settingPath(issue.path)}: ${issue.message.replace(/^Invalid input: /, '')}`];
}
