// What the mail handlers and the services around mailboxes get from `petrel serve` (src/app/mailboxes.ts).
import type { PetrelConfig } from '../config/schema.js';
import type { QueueWriter } from '../queue/writer.js';
import type { Db } from '../store/db.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/log.js';

export interface MailDeps {
  db: Db;
  config: PetrelConfig;
  log: Logger;
  clock: Clock;
  /** The data dir's secret key: identity secrets (IMAP passwords, OAuth tokens) are sealed with it. */
  secretKey: Buffer;
  queue: QueueWriter;
  /** Queued mail should go now (warm-up, placement and inbox replies). */
  wakeDelivery(): void;
  /** A contact's sequence changed (stopped, paused until a return date). */
  wakeCampaigns(): void;
}
