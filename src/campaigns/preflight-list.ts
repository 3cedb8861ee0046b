// Preflight's `list` and `templates`: the list exists, is not empty and holds no suppressed contacts;
// every subject/text/html compiles and the fields used without a fallback are set for every member.
// SQLite errors and compiler crashes other than syntax errors propagate to the caller's guard.
import type { Db } from '../store/db.js';
import type { Campaign } from './definition.js';
import { item, plural, type CompileTemplate, type PreflightItem } from './preflight-types.js';

const SHOWN = 10;

/** Fields every contact has whatever its CSV columns (the address itself). */
const BUILTIN_FIELDS = new Map<string, (row: MemberRow) => string>([['email', (r) => r.email], ['address', (r) => r.address]]);

interface MemberRow {
  email: string;
  address: string;
  fields: string;
}

export interface ListFigures {
  exists: boolean;
  members: number;
  suppressed: number;
  /** The first suppressed addresses (by address). */
  examples: string[];
}

/** Members of `list` and those suppressed globally or for one of `domains`, as of `now`. */
export function listFigures(db: Db, list: string, domains: readonly string[], now: number): ListFigures {
  const exists = db.prepare('SELECT 1 FROM lists WHERE name = ?').get(list) !== undefined;
  const members = db.prepare('SELECT count(*) FROM list_members WHERE list = ?').pluck().get(list) as number;
  const where = `m.list = ? AND EXISTS (SELECT 1 FROM suppressions s WHERE s.address = m.email
    AND (s.scope = '' OR s.scope IN (SELECT value FROM json_each(?))) AND (s.expires_at IS NULL OR s.expires_at > ?))`;
  const args = [list, JSON.stringify(domains), now];
  const suppressed = db.prepare(`SELECT count(*) FROM list_members m WHERE ${where}`).pluck().get(...args) as number;
  const examples = db.prepare(`SELECT m.email FROM list_members m WHERE ${where} ORDER BY m.email LIMIT ${SHOWN}`).pluck().all(...args) as string[];
  return { exists, members, suppressed, examples };
}

/** `list`: fail when missing, empty or holding suppressed contacts. */
export function listItem(name: string, f: ListFigures): PreflightItem {
  if (!f.exists) return item('list', 'fail', `no list ${name}`, 'create it by importing contacts into it, or fix `list` in the campaign');
  if (f.members === 0) return item('list', 'fail', `list ${name} is empty`, 'import contacts into it');
  if (f.suppressed > 0) {
    const more = f.suppressed > f.examples.length ? `, and ${f.suppressed - f.examples.length} more` : '';
    const message = `${f.suppressed} of ${plural(f.members, 'member')} of list ${name} are suppressed: ${f.examples.join(', ')}${more}`;
    return item('list', 'fail', message, 'remove them from the list, or start with --force (they would be skipped anyway)', { members: f.members, suppressed: f.suppressed, examples: f.examples });
  }
  return item('list', 'pass', `list ${name}: ${plural(f.members, 'member')}, none suppressed`, undefined, { members: f.members, suppressed: 0 });
}

/** Every template source of the campaign with a label: "step 2 subject", "step 1 variant B html". */
export function templateSources(campaign: Pick<Campaign, 'steps'>): Array<{ where: string; source: string }> {
  const out: Array<{ where: string; source: string }> = [];
  const add = (where: string, parts: { subject?: string | undefined; text?: string | undefined; html?: string | undefined }) => {
    for (const key of ['subject', 'text', 'html'] as const) {
      const source = parts[key];
      if (source !== undefined) out.push({ where: `${where} ${key}`, source });
    }
  };
  campaign.steps.forEach((step, i) => {
    add(`step ${i + 1}`, step);
    step.variants?.forEach((v, j) => add(`step ${i + 1} variant ${v.id ?? String.fromCharCode(65 + j)}`, v));
  });
  return out;
}

/** `templates`: fail on any syntax error; warn for each field without a fallback that members lack. */
export function templatesItem(db: Db, campaign: Pick<Campaign, 'steps' | 'list'>, compile: CompileTemplate | undefined): PreflightItem {
  if (!compile) return item('templates', 'warn', 'templates not checked: no template compiler available');
  const errors: string[] = [];
  const bare = new Set<string>();
  for (const { where, source } of templateSources(campaign)) {
    try {
      for (const field of compile(source).fieldsWithoutFallback) bare.add(field);
    } catch (err) {
      errors.push(`${where}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const missing = missingFields(db, campaign.list, [...bare].sort());
  const gaps = Object.entries(missing).filter(([, n]) => n > 0).map(([field, n]) => `${field} missing for ${plural(n, 'contact')}`);
  const details = { errors, missing };
  if (errors.length > 0) return item('templates', 'fail', [`syntax errors: ${errors.join('; ')}`, ...gaps].join('; '), 'fix the templates (the error names the step and part)', details);
  if (gaps.length > 0) return item('templates', 'warn', `fields without a fallback: ${gaps.join('; ')}`, 'give those fields a fallback in the template, or fill them in the contacts', details);
  return item('templates', 'pass', `${plural(templateSources(campaign).length, 'template')} compile; every field used without a fallback is set`, undefined, details);
}

/** For each field, how many members of `list` lack it (absent, null or blank). */
function missingFields(db: Db, list: string, fields: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(fields.map((f) => [f, 0]));
  if (fields.length === 0) return counts;
  const rows = db.prepare('SELECT c.email, c.address, c.fields FROM list_members m JOIN contacts c ON c.email = m.email WHERE m.list = ?').iterate(list) as Iterable<MemberRow>;
  for (const row of rows) {
    const values = parseFields(row.fields);
    for (const field of fields) {
      const value = BUILTIN_FIELDS.get(field)?.(row) ?? (Object.hasOwn(values, field) ? values[field] : undefined);
      if (value === undefined || value === null || String(value).trim() === '') counts[field]!++;
    }
  }
  return counts;
}

function parseFields(json: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(json);
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
