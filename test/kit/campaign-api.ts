// Campaign fixtures for tests: contacts and list members written straight into <dataDir>/petrel.db (the
// contacts CLI may not be there yet), a three-step campaign with spintax, a field and A/B variants,
// and a wait for the engine's sends. Throws if the database is missing.
import { join } from 'node:path';
import { openDatabase } from '../../src/store/db.js';
import type { Api } from './api.js';
import { eventuallyAsync } from './delivery.js';
import type { Petrel } from './petrel.js';

export interface TestContact {
  email: string;
  fields?: Record<string, string>;
}

/** Add `contacts` (new ones) to list `list`, creating it; as `petrel contacts import` would store them. */
export function addContacts(p: Petrel, list: string, contacts: TestContact[], now = Date.now()): void {
  const db = openDatabase(join(p.dataDir, 'petrel.db'));
  try {
    db.transaction(() => {
      db.prepare('INSERT OR IGNORE INTO lists (name, created_at) VALUES (?, ?)').run(list, now);
      for (const c of contacts) {
        const domain = c.email.slice(c.email.lastIndexOf('@') + 1).toLowerCase();
        db.prepare('INSERT INTO contacts (email, address, fields, org_domain, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
          .run(c.email.toLowerCase(), c.email, JSON.stringify(c.fields ?? {}), domain, now, now);
        db.prepare('INSERT INTO list_members (list, email, added_at) VALUES (?, ?, ?)').run(list, c.email.toLowerCase(), now);
      }
    })();
  } finally {
    db.close();
  }
}

/** Step 1 has spintax and first_name without a fallback; step 2 replies in the thread; step 3 is an A/B test. */
export function testCampaign(name: string, identity: string, list = 'leads'): Record<string, unknown> {
  return {
    name, list, identity, fromName: 'Dana from Outreach',
    steps: [
      { delay: 0, subject: '{Hi|Hello} {{first_name}}, a quick question', text: 'Hi {{first_name}},\n\nDoes {{company | "your team"}} send cold email?\n' },
      { delay: '3d', text: 'Following up on my note, {{first_name}}.\n' },
      { delay: '2 business days', variants: [{ subject: 'Last note', text: 'Closing the loop.\n' }, { id: 'soft', subject: 'Should I stop?', text: 'Shall I stop writing?\n' }] },
    ],
  };
}

/** Wait until campaign `name` has sent step 1 `n` times (the engine ticks every campaigns.tickMs). */
export function untilSent(api: Api, name: string, n: number): Promise<unknown> {
  return eventuallyAsync(async () => {
    const r = await api.call('GET', `/v1/campaigns/${name}/status`);
    return r.status === 200 && r.body.steps[0].sent >= n ? r.body : undefined;
  }, () => `campaign ${name} did not send step 1 to ${n} contacts`);
}
