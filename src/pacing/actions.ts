// Shaping actions in force: throttles and suspensions that automation rules (src/shaping) set on a
// source towards a provider, or on an identity. Stored with the reply that triggered them; an
// operator can end them early (cleared_at). SQLite errors pass through.
import type { Db } from '../store/db.js';
import { nextRowId } from '../store/row-ids.js';

export interface ShapingAction {
  id: number;
  rule: string;
  kind: 'throttle' | 'suspend';
  factor: number | null;
  /** Per-minute rate while a throttle is in force. */
  rate: number | null;
  /** identity:<name> or source:<key> (source:ip:<address>, source:relay:<identity>). */
  scope: string;
  /** null: towards every provider. */
  provider: string | null;
  startedAt: number;
  endsAt: number;
  identity: string | null;
  messageId: string | null;
  code: number | null;
  enhanced: string | null;
  text: string | null;
}

export type NewShapingAction = Omit<ShapingAction, 'id'>;

const COLUMNS = `id, rule, kind, factor, rate, scope, provider, started_at AS startedAt, ends_at AS endsAt,
  identity, message_id AS messageId, code, enhanced, text`;

export class ShapingActionStore {
  private readonly insert;
  private readonly open;

  constructor(private readonly db: Db) {
    this.insert = db.prepare(
      `INSERT INTO shaping_actions (id, rule, kind, factor, rate, scope, provider, started_at, ends_at, identity, message_id, code, enhanced, text)
       VALUES (@id, @rule, @kind, @factor, @rate, @scope, @provider, @startedAt, @endsAt, @identity, @messageId, @code, @enhanced, @text)`,
    );
    this.open = db.prepare(`SELECT ${COLUMNS} FROM shaping_actions WHERE cleared_at IS NULL AND ends_at > ? ORDER BY id`);
  }

  add(action: NewShapingAction): ShapingAction {
    const id = Number(this.insert.run({ ...action, id: nextRowId(this.db, 'shaping_actions') }).lastInsertRowid);
    return { id, ...action };
  }

  /** Move the end of action `id` to `endsAt` (a rule fired again while it held). */
  extend(id: number, endsAt: number): void {
    this.db.prepare('UPDATE shaping_actions SET ends_at = max(ends_at, ?) WHERE id = ?').run(endsAt, id);
  }

  /** Actions still in force at `now`. */
  inForce(now: number): ShapingAction[] {
    return this.open.all(now) as ShapingAction[];
  }

  /** Recent actions (in force or ended) that concern `identity`, newest first. */
  recentFor(identity: string, sourceScopes: readonly string[], limit = 20): Array<ShapingAction & { clearedAt: number | null }> {
    const scopes = [`identity:${identity}`, ...sourceScopes];
    return this.db
      .prepare(`SELECT ${COLUMNS}, cleared_at AS clearedAt FROM shaping_actions WHERE identity = ? OR scope IN (${scopes.map(() => '?').join(',')}) ORDER BY id DESC LIMIT ?`)
      .all(identity, ...scopes, limit) as Array<ShapingAction & { clearedAt: number | null }>;
  }

  /** End actions early; `where` picks them by scope, rule or id. Returns how many ended. */
  clear(now: number, where: { scopes?: readonly string[]; rule?: string; id?: number }): number {
    const cond: string[] = ['cleared_at IS NULL', 'ends_at > @now'];
    const args: Record<string, unknown> = { now };
    if (where.scopes) {
      cond.push(`scope IN (${where.scopes.map((_, i) => `@s${i}`).join(',') || "''"})`);
      where.scopes.forEach((s, i) => (args[`s${i}`] = s));
    }
    if (where.rule !== undefined) (cond.push('rule = @rule'), (args['rule'] = where.rule));
    if (where.id !== undefined) (cond.push('id = @id'), (args['id'] = where.id));
    return this.db.prepare(`UPDATE shaping_actions SET cleared_at = @now WHERE ${cond.join(' AND ')}`).run(args).changes;
  }
}

/** The source scope of an identity's sends: its relay account, or the IP it binds (default: any). */
export function sourceKeyOf(identity: { name: string; via: string; source?: string | undefined }): string {
  return identity.via === 'relay' ? `relay:${identity.name}` : `ip:${identity.source ?? 'default'}`;
}
