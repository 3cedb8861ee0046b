// Petrel's version, from package.json (two directories above dist/src/util at run time).
import { readFileSync } from 'node:fs';

export function packageVersion(): string {
  const file = new URL('../../../package.json', import.meta.url);
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return typeof parsed === 'object' && parsed !== null && 'version' in parsed ? String(parsed.version) : 'unknown';
  } catch {
    return 'unknown';
  }
}
