// What the step sender asks of a cluster before it queues a (contact, step): a claim that no other
// node holds, admitted against the identity's cap summed over the nodes. Implemented by
// src/cluster/claims.ts; single-node Petrel has none. Rejections of the implementation's promises
// (PostgreSQL away) leave the step waiting; nothing local is written.

/** One identity the claim may count against: today's cap (null: none) and the day in its zone. */
export interface ClaimCandidate {
  name: string;
  cap: number | null;
  day: string;
}

export interface ClaimRequest {
  campaign: string;
  email: string;
  step: number;
  /** The queue id the message will get (QueueWriter.nextId()). */
  queueId: string;
  /** In order of preference; the first with room is counted. */
  candidates: ClaimCandidate[];
  /** When every candidate is at its cap: the step waits until then, in the shared copy. */
  retryAt: number;
}

/**
 * claimed: queue now, from `identity`. busy: another node is claiming it right now. taken: it was
 * claimed already. moved: the shared copy no longer waits for this step. capped: every candidate is
 * at its cap (the step was rescheduled to retryAt).
 */
export type ClaimResult = { result: 'claimed'; identity: string } | { result: 'busy' | 'taken' | 'moved' | 'capped' };

export interface StepClaims {
  /** Settle what a crash of this node left (once; a failure is tried again by the next call). */
  settle(): Promise<void>;
  claim(req: ClaimRequest): Promise<ClaimResult>;
  /** Undo a claim whose message was not committed (the cap unit is given back). */
  release(campaign: string, email: string, step: number): Promise<void>;
  /** Whether this node does a campaign's one-writer work now (enrolling, starting, finishing). */
  leads(campaign: string): Promise<boolean>;
}
