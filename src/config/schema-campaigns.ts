// The `campaigns` section of petrel.yaml: the sequencer's engine (src/campaigns) and the public
// addresses its unsubscribe links and tracking use. Strict like the rest: unknown keys are errors.
import { z } from 'zod';

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

export const campaignsSchema = z.strictObject({
  /** Run the campaign engine in `petrel serve` (contacts and campaigns can be edited either way). */
  enabled: z.boolean().default(true),
  /** How often the engine looks for due steps (it is also woken by replies, stops and the CLI). */
  tickMs: z.number().int().min(50).max(60_000).default(1000),
  /** At most this many steps queued per tick (a tick is one short burst of compose + commit). */
  batch: z.number().int().min(1).max(5000).default(200),
  /**
   * Base URL of the one-click unsubscribe links (https://HOST/u/TOKEN): Petrel's HTTP server as the
   * world reaches it. Default: http://<http.address>:<http.port> (fine for tests, not for the world;
   * `campaign preflight` warns about a loopback or plain-http URL).
   */
  publicUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** Domain of the mailto: unsubscribe address (unsub+TOKEN@DOMAIN); its MX must be Petrel. Default: hostname. */
  unsubscribeDomain: z.string().regex(HOSTNAME, { error: 'must be a host name' }).optional(),
  /** An unsubscribe suppresses the address for every sending domain (global) or only the one it came from. */
  unsubscribeScope: z.enum(['global', 'domain']).default('global'),
});

export type CampaignsConfig = z.infer<typeof campaignsSchema>;
