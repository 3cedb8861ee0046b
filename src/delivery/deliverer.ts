// The Deliver function the scheduler calls: routes the job's domain, then hands it to local or remote
// delivery (which refuse looping mail just before sending it, src/delivery/loop.ts). Route failures
// apply to every recipient of the job. Never rejects.
import type { Logger } from '../util/log.js';
import type { AttemptInfo, DeliveryJob, RecipientResult } from './job.js';
import type { LocalDelivery } from './local.js';
import type { RemoteDelivery } from './remote.js';
import type { Router } from './router.js';
import type { Outcome } from '../smtp/client/types.js';

export interface DelivererDeps {
  router: Router;
  local: LocalDelivery;
  remote: RemoteDelivery;
  log: Logger;
}

/** Build the scheduler's Deliver function. */
export function createDeliverer(deps: DelivererDeps) {
  return async (job: DeliveryJob): Promise<RecipientResult[]> => {
    const startedAt = Date.now();
    const route = await deps.router.route(job.domain);
    if (route.kind === 'fail') return failAll(job, startedAt, route.outcome, route.via);
    if (route.kind === 'local') return deps.local.deliver(job);
    return deps.remote.deliver(route, job);
  };
}

function failAll(job: DeliveryJob, startedAt: number, outcome: Outcome, route: AttemptInfo['route'] = 'mx'): RecipientResult[] {
  const attempt = { startedAt, durationMs: Date.now() - startedAt, route };
  return job.recipients.map((r) => ({ idx: r.idx, outcome, attempt }));
}
