// What the campaign route modules share: the clock, the errors of the campaign modules as API errors
// (input 400 naming the first path, exists/state 409, unknown 404), the views of a stored campaign.
import { CampaignStateError } from '../../campaigns/control.js';
import { campaignStatus } from '../../campaigns/status.js';
import { CampaignStore, type StoredCampaign } from '../../campaigns/store.js';
import { CampaignInputError } from '../../campaigns/validate.js';
import type { Db } from '../../store/db.js';
import { StoreError } from '../../store/errors.js';
import { processClock, type Clock } from '../../util/clock.js';
import type { ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { iso } from './admin-common.js';

/** The engine's clock when it runs (so tests that move time see the same "now"), else the process clock. */
export function campaignClock(ctx: ApiContext): Clock {
  const fallback = processClock();
  return () => (ctx.campaigns ? ctx.campaigns.clock() : fallback());
}

/**
 * Run a campaign call; its errors become API errors: CampaignInputError → 400 at `body.<first path>`
 * with every issue in the message, StoreError exists / CampaignStateError → 409, not-found → 404,
 * invalid → 400 at `invalidPath`.
 */
export function campaignCall<T>(f: () => T, invalidPath = 'body'): T {
  try {
    return f();
  } catch (err) {
    throw asApiError(err, invalidPath);
  }
}

export function asApiError(err: unknown, invalidPath = 'body'): unknown {
  if (err instanceof CampaignInputError) {
    const first = err.issues[0]?.path;
    const path = first ? `body.${first}` : 'body';
    const message = err.issues.map((i) => `body${i.path ? `.${i.path}` : ''}: ${i.message}`).join('; ');
    return new ApiError(400, 'invalid_request', message || 'body: not a campaign', path);
  }
  if (err instanceof CampaignStateError) return new ApiError(409, 'conflict', err.message);
  if (!(err instanceof StoreError)) return err;
  if (err.code === 'exists') return new ApiError(409, 'conflict', err.message);
  if (err.code === 'not-found') return new ApiError(404, 'not_found', err.message);
  return new ApiError(400, 'invalid_request', `${invalidPath}: ${err.message}`, invalidPath);
}

/**
 * The definition as it was given (the stored JSON), not the parsed one whose delays are objects.
 * CampaignStore keeps the text but returns only the parsed form, hence this one read.
 */
export function definitionAsGiven(db: Db, name: string): unknown {
  return new CampaignStore(db).source(name);
}

/** A campaign as GET /v1/campaigns/:name answers it: the definition as given and its status. */
export function detailOf(db: Db, c: StoredCampaign) {
  return { name: c.name, definition: definitionAsGiven(db, c.name), changedAt: iso(c.changedAt), status: campaignStatus(db, c.name) };
}

/** A row of GET /v1/campaigns: the status without the per-step figures, with their sum as `sent`. */
export function summaryOf(db: Db, c: StoredCampaign) {
  const s = campaignStatus(db, c.name);
  return {
    name: c.name, state: s.state, list: s.list, pool: s.pool, identity: s.identity, steps: c.definition.steps.length,
    sent: s.steps.reduce((n, st) => n + st.sent, 0), contacts: s.contacts, createdAt: s.createdAt, startedAt: s.startedAt,
  };
}

/** The stored campaign named `name`, or a 404. */
export function requireCampaign(db: Db, name: string): StoredCampaign {
  return campaignCall(() => new CampaignStore(db).require(name));
}
