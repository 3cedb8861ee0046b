// The `warmupNetwork` section of petrel.yaml: how identities flagged --warmup-network send each other
// warm-up mail (src/warmup-network, docs/warmup-network.md). Rules users tune are here, as data.
import { z } from 'zod';

export const warmupNetworkSchema = z.strictObject({
  /** Send warm-up mail among the flagged identities in `petrel serve` (receiving is always handled). */
  enabled: z.boolean().default(true),
  /** The sender looks for due warm-up sends this often. */
  tickSeconds: z.number().min(0.1).max(3600).default(60),
  /** While an identity ramps: warm-up mail per day is this share of the day's ramp value (the rest is left for campaigns). */
  rampShare: z.number().min(0).max(1).default(0.5),
  /** After the ramp reached its target, or for an identity without a ramp: warm-up mail per day. */
  maintenancePerDay: z.number().int().min(0).max(1000).default(5),
  /** Share of received warm-up mail answered in thread by the receiving identity. */
  replyShare: z.number().min(0).max(1).default(0.3),
  /** Share of received warm-up mail marked \Flagged (all of it is marked \Seen). */
  flagShare: z.number().min(0).max(1).default(0.2),
  /** Inbox placement over 7 days below this rate holds the identity's warm-up ramp for the day. */
  minInboxRate: z.number().min(0).max(1).default(0.8),
  /** ... once at least this many warm-up messages were placed (inbox or spam) in those 7 days. */
  minPlacements: z.number().int().min(1).max(10_000).default(10),
  /** The hidden header that tags warm-up mail (visible to anyone who reads a message's headers). */
  header: z.string().regex(/^X-[A-Za-z0-9-]{1,60}$/).default('X-Petrel-Warmup'),
});

export type WarmupNetworkConfig = z.infer<typeof warmupNetworkSchema>;
