// Starting, pausing, resuming and stopping a campaign (CLI and API alike). Pausing holds the steps
// still in the queue and resuming releases them; stopping stops every open contact and cancels its
// queued steps. A change the state does not allow throws CampaignStateError saying why.
import type { Db } from '../store/db.js';
import { CampaignStore, type CampaignState, type StoredCampaign } from './store.js';

/** A change the campaign's state does not allow (the API answers 409). */
export class CampaignStateError extends Error {
  override name = 'CampaignStateError';
}

const QUEUED_STEPS = `message_id IN (SELECT message_id FROM campaign_sends WHERE campaign = ?)`;

export class CampaignControl {
  private readonly store: CampaignStore;

  constructor(private readonly db: Db) {
    this.store = new CampaignStore(db);
  }

  /** draft → running; its list's members join as pending contacts. */
  start(name: string, now: number): StoredCampaign {
    const c = this.expect(name, ['draft'], 'start', 'resume a paused campaign with resume');
    this.db.transaction(() => {
      this.store.enroll(name, c.definition.list, now);
      this.store.setState(name, 'running', now);
    })();
    return this.store.require(name);
  }

  /** running → paused; its steps waiting in the queue are held. Returns how many were held. */
  pause(name: string, now: number): number {
    this.expect(name, ['running'], 'pause');
    return this.db.transaction(() => {
      this.store.setState(name, 'paused', now);
      return this.db.prepare(`UPDATE recipients SET state = 'held' WHERE state IN ('queued', 'deferred', 'throttled') AND ${QUEUED_STEPS}`).run(name).changes;
    })();
  }

  /** paused (or running) → running; held steps go back to the queue and paused contacts are tried again. */
  resume(name: string, now: number): { released: number; contacts: number } {
    this.expect(name, ['paused', 'running'], 'resume');
    return this.db.transaction(() => {
      this.store.setState(name, 'running', now);
      const released = this.db.prepare(`UPDATE recipients SET state = 'queued', next_attempt_at = ? WHERE state = 'held' AND ${QUEUED_STEPS}`).run(now, name).changes;
      return { released, contacts: this.store.resumeContacts(name, now) };
    })();
  }

  /** Any state but finished → stopped: every open contact stops, queued steps are cancelled. */
  stop(name: string, now: number): number {
    this.expect(name, ['draft', 'running', 'paused'], 'stop');
    return this.db.transaction(() => {
      this.store.setState(name, 'stopped', now);
      this.db.prepare(`UPDATE recipients SET state = 'cancelled', next_attempt_at = NULL, final_at = ?, last_text = 'campaign stopped'
        WHERE state IN ('queued', 'deferred', 'throttled', 'held') AND ${QUEUED_STEPS}`).run(now, name);
      return this.db.prepare(`UPDATE campaign_contacts SET state = 'stopped', reason = 'campaign stopped', next_at = NULL, changed_at = ?
        WHERE campaign = ? AND state IN ('pending', 'active', 'paused')`).run(now, name).changes;
    })();
  }

  /** Delete a draft, stopped or finished campaign (a running one must be stopped first). */
  remove(name: string): void {
    this.expect(name, ['draft', 'stopped', 'finished'], 'delete', 'stop it first');
    this.store.remove(name);
  }

  private expect(name: string, allowed: CampaignState[], verb: string, hint = ''): StoredCampaign {
    const c = this.store.require(name);
    if (!allowed.includes(c.state)) throw new CampaignStateError(`cannot ${verb} campaign ${name}: it is ${c.state}${hint ? ` (${hint})` : ''}`);
    return c;
  }
}
