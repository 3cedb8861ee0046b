// Scrape-time series of campaigns: campaigns by state, each campaign's contacts by state and its sends
// by step, read with three GROUP BY queries whatever the number of campaigns. A failing query fails
// that scrape only (prom-client answers 500).
import { Gauge, type Registry } from 'prom-client';
import { CAMPAIGN_STATES, CONTACT_STATES } from '../campaigns/store.js';
import type { Db } from '../store/db.js';

/** Register the campaign series on `registry`, read from `db` at each scrape. */
export function watchCampaigns(registry: Registry, db: Db): void {
  const registers = [registry];
  const byState = db.prepare('SELECT state, count(*) AS n FROM campaigns GROUP BY state');
  const contacts = db.prepare(`SELECT c.name AS campaign, cc.state, count(cc.email) AS n
    FROM campaigns c LEFT JOIN campaign_contacts cc ON cc.campaign = c.name GROUP BY c.name, cc.state`);
  const sends = db.prepare('SELECT campaign, step, count(*) AS n FROM campaign_sends WHERE campaign IN (SELECT name FROM campaigns) GROUP BY campaign, step');

  new Gauge({
    name: 'petrel_campaigns', help: 'Campaigns by state (every state present, 0 when none)', labelNames: ['state'], registers,
    collect() {
      this.reset();
      for (const state of CAMPAIGN_STATES) this.set({ state }, 0);
      for (const r of byState.all() as Array<{ state: string; n: number }>) this.set({ state: r.state }, r.n);
    },
  });
  new Gauge({
    name: 'petrel_campaign_contacts', help: 'Contacts of each campaign by state (every state present, 0 when none)', labelNames: ['campaign', 'state'], registers,
    collect() {
      this.reset();
      const rows = contacts.all() as Array<{ campaign: string; state: string | null; n: number }>;
      for (const campaign of new Set(rows.map((r) => r.campaign))) for (const state of CONTACT_STATES) this.set({ campaign, state }, 0);
      for (const r of rows) if (r.state !== null) this.set({ campaign: r.campaign, state: r.state }, r.n);
    },
  });
  new Gauge({
    name: 'petrel_campaign_sends', help: 'Steps sent so far by each campaign, by step (1-based)', labelNames: ['campaign', 'step'], registers,
    collect() {
      this.reset();
      for (const r of sends.all() as Array<{ campaign: string; step: number; n: number }>) this.set({ campaign: r.campaign, step: String(r.step) }, r.n);
    },
  });
}
