// The shaping rules: per-provider limits keyed by MX suffix and automation rules matching replies,
// read from data/shaping.yaml (or an operator's file) with petrel.yaml's overrides applied. Any
// problem (unreadable file, bad YAML, unknown key, bad value, regex or duration, dangling provider
// name) throws ShapingRulesError naming the path, e.g. `shaping.automation[3].match.text: ...`.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import type { BounceClass } from '../bounce/classes.js';
import { shapingFileSchema, shapingOverridesSchema, type ShapingFile, type ShapingOverrides } from './schema.js';

export { shapingFileSchema, shapingOverridesSchema } from './schema.js';

export interface ProviderRule {
  name: string;
  /** Host-name suffixes with a leading dot, lower case: `.google.com` matches google.com and x.google.com. */
  mx: string[];
  connectionsPerSource?: number;
  messagesPerConnection?: number;
  messagesPerMinutePerSource?: number;
  messagesPerMinutePerIdentity?: number;
}

/** source: the sending source (IP or relay identity) towards the provider; identity: the identity towards every provider. */
export type ActionScope = 'source' | 'identity';

export type ShapingActionSpec =
  | { kind: 'throttle'; factor: number; scope: ActionScope; durationMs: number }
  | { kind: 'suspend'; scope: ActionScope; durationMs: number };

export interface AutomationRule {
  name: string;
  /** Only replies from this provider; absent for any destination. */
  provider?: string;
  match: { codes?: number[]; enhanced?: string[]; text?: RegExp; class?: BounceClass[] };
  action: ShapingActionSpec;
}

export interface ShapingRules {
  providers: ProviderRule[];
  default: Omit<ProviderRule, 'name' | 'mx'>;
  automation: AutomationRule[];
}

/** A bad or unreadable rules file or overrides; `message` names the path of every problem. */
export class ShapingRulesError extends Error {
  constructor(
    message: string,
    /** The rules file being loaded. */
    readonly file?: string,
  ) {
    super(message);
    this.name = 'ShapingRulesError';
  }
}

/** The shipped rules: data/shaping.yaml at the repository root (this module runs as dist/src/shaping/rules.js). */
export const SHIPPED_RULES_FILE = fileURLToPath(new URL('../../../data/shaping.yaml', import.meta.url));

/**
 * Read the rules file (the shipped one unless `file` is given) and apply `overrides` (the shape of
 * `shaping.overrides`). Throws ShapingRulesError.
 * @example loadShapingRules({ overrides: { providers: [{ name: 'google', connectionsPerSource: 3 }] } })
 */
export function loadShapingRules(opts: { file?: string; overrides?: unknown } = {}): ShapingRules {
  const file = opts.file ?? SHIPPED_RULES_FILE;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ShapingRulesError(`shaping: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, file);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (err) {
    throw new ShapingRulesError(`shaping: cannot parse ${file}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`, file);
  }
  return parseShapingRules(raw, opts.overrides, file);
}

/** The pure part of loadShapingRules: validate a parsed file and apply overrides. */
export function parseShapingRules(raw: unknown, overrides?: unknown, file?: string): ShapingRules {
  const fail = (problems: string[]): never => {
    throw new ShapingRulesError(problems.join('; ') + (file === undefined ? '' : ` (in ${file})`), file);
  };
  const parsed = shapingFileSchema.safeParse(raw);
  if (!parsed.success) fail(describeIssues('shaping', parsed.error.issues));
  const base = parsed.data!;
  const over = shapingOverridesSchema.safeParse(overrides ?? {});
  if (!over.success) fail(describeIssues('shaping.overrides', over.error.issues));
  const extra: ShapingOverrides = over.data!;
  const problems = [...duplicateNames('shaping', base), ...duplicateNames('shaping.overrides', extra)];
  if (problems.length > 0) fail(problems);
  const merged = merge(base, extra, problems);
  problems.push(...danglingProviders(merged), ...sharedSuffixes(merged));
  if (problems.length > 0) fail(problems);
  return finish(merged);
}

type Entry = { name: string } & Record<string, unknown>;
type MergedFile = { providers: Entry[]; default: Record<string, unknown>; automation: Entry[] };

/** Same-name entries are replaced field by field (null removes a field); new names are appended. */
function merge(base: ShapingFile, over: ShapingOverrides, problems: string[]): MergedFile {
  return {
    providers: mergeNamed(base.providers, over.providers, 'shaping.overrides.providers', ['mx'], problems),
    default: assign({ ...base.default }, over.default ?? {}),
    automation: mergeNamed(base.automation, over.automation, 'shaping.overrides.automation', ['match', 'action'], problems),
  };
}

function mergeNamed(base: readonly Entry[], over: readonly Entry[] | undefined, where: string, required: readonly string[], problems: string[]): Entry[] {
  const out = base.map((e) => ({ ...e }));
  (over ?? []).forEach((entry, i) => {
    const at = out.findIndex((e) => e.name === entry.name);
    if (at !== -1) {
      out[at] = assign(out[at]!, entry);
      return;
    }
    const missing = required.filter((key) => entry[key] === undefined || entry[key] === null);
    for (const key of missing) problems.push(`${where}[${i}].${key}: required for the new entry "${entry.name}"`);
    if (missing.length === 0) out.push(assign({ name: entry.name }, entry));
  });
  return out;
}

function assign<T extends Record<string, unknown>>(target: T, over: Record<string, unknown>): T {
  for (const [key, value] of Object.entries(over)) {
    if (value === null) delete target[key];
    else if (value !== undefined) (target as Record<string, unknown>)[key] = value;
  }
  return target;
}

function duplicateNames(prefix: string, file: { providers?: readonly Entry[]; automation?: readonly Entry[] }): string[] {
  const problems: string[] = [];
  for (const list of ['providers', 'automation'] as const) {
    const seen = new Set<string>();
    (file[list] ?? []).forEach((e, i) => {
      if (seen.has(e.name)) problems.push(`${prefix}.${list}[${i}].name: duplicate name "${e.name}"`);
      seen.add(e.name);
    });
  }
  return problems;
}

function danglingProviders(merged: MergedFile): string[] {
  const names = new Set(merged.providers.map((p) => p.name));
  return merged.automation.flatMap((rule, i) =>
    typeof rule.provider === 'string' && !names.has(rule.provider) ? [`shaping.automation[${i}].provider: unknown provider "${rule.provider}" (rule "${rule.name}")`] : [],
  );
}

/** Two providers claiming one suffix would make providerOf depend on file order. */
function sharedSuffixes(merged: MergedFile): string[] {
  const owner = new Map<string, string>();
  const problems: string[] = [];
  merged.providers.forEach((p, i) => {
    for (const suffix of new Set(p.mx as string[])) {
      const other = owner.get(suffix);
      if (other !== undefined && other !== p.name) problems.push(`shaping.providers[${i}].mx: "${suffix}" is also claimed by provider "${other}"`);
      owner.set(suffix, p.name);
    }
  });
  return problems;
}

function finish(merged: MergedFile): ShapingRules {
  return {
    providers: merged.providers.map((p) => defined(p) as unknown as ProviderRule),
    default: defined(merged.default) as ShapingRules['default'],
    automation: merged.automation
      .filter((r) => r.disabled !== true)
      .map(({ disabled: _disabled, match, ...rule }) => ({ ...defined(rule), match: defined(match as Record<string, unknown>) }) as unknown as AutomationRule),
  };
}

function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null));
}

/** "shaping.automation[3].match.text: problem" lines; unknown keys one line each. */
function describeIssues(prefix: string, issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => `${pathText(prefix, [...issue.path, key])}: unknown key`);
    return [`${pathText(prefix, issue.path)}: ${issue.message.replace(/^Invalid input: /, '')}`];
  });
}

function pathText(prefix: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : `${out}.${String(key)}`), prefix);
}
