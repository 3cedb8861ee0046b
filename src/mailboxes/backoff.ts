// When a broken mailbox connection is tried again: from reconnectMinSeconds, doubling per failure in a
// row, up to reconnectMaxSeconds, with ±20% jitter so mailboxes on one provider do not return in step.
import type { MailboxesConfig } from '../config/schema-mailboxes.js';

/** Delay in ms before attempt number `failures` + 1 (failures >= 1); `random` in [0, 1). */
export function reconnectDelayMs(failures: number, cfg: Pick<MailboxesConfig, 'reconnectMinSeconds' | 'reconnectMaxSeconds'>, random: number): number {
  const min = cfg.reconnectMinSeconds * 1000;
  const max = Math.max(min, cfg.reconnectMaxSeconds * 1000);
  const base = Math.min(max, min * 2 ** Math.min(Math.max(failures - 1, 0), 30));
  const jittered = base * (0.8 + 0.4 * random);
  return Math.round(Math.min(max, Math.max(min, jittered)));
}

/** A refused login is tried again only after authRetryMinutes (or when the identity changes). */
export function authRetryDelayMs(cfg: Pick<MailboxesConfig, 'authRetryMinutes'>): number {
  return cfg.authRetryMinutes * 60_000;
}
