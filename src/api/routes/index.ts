// Every route module of the API, in the order they appear in the OpenAPI document.
import type { ApiContext } from '../context.js';
import type { RouteSpec } from '../route.js';
import { campaignRoutes } from './campaigns.js';
import { contactRoutes } from './contacts.js';
import { domainRoutes } from './domains.js';
import { eventRoutes } from './events.js';
import { healthRoutes } from './health.js';
import { identityRoutes } from './identities.js';
import { messageRoutes } from './messages.js';
import { nodeRoutes } from './nodes.js';
import { placementRoutes } from './placement.js';
import { poolRoutes } from './pools.js';
import { queueRoutes } from './queue.js';
import { sessionRoutes } from './session.js';
import { shapingRoutes } from './shaping.js';
import { statsRoutes } from './stats.js';
import { suppressionRoutes } from './suppressions.js';
import { webhookRoutes } from './webhooks.js';
import { identityTestRoutes } from './identity-test.js';
import { warmupRoutes } from './warmup.js';
import { inboxRoutes } from './inbox.js';
import { mailboxRoutes } from './mailboxes.js';

export function allRoutes(ctx: ApiContext): RouteSpec[] {
  return [
    ...healthRoutes(ctx), ...sessionRoutes(ctx), ...messageRoutes(ctx), ...queueRoutes(ctx), ...eventRoutes(ctx), ...statsRoutes(ctx),
    ...domainRoutes(ctx), ...suppressionRoutes(ctx), ...webhookRoutes(ctx), ...identityRoutes(ctx), ...identityTestRoutes(ctx), ...poolRoutes(ctx), ...shapingRoutes(ctx),
    ...contactRoutes(ctx), ...campaignRoutes(ctx), ...mailboxRoutes(ctx), ...inboxRoutes(ctx), ...warmupRoutes(ctx), ...placementRoutes(ctx),
    ...nodeRoutes(ctx),
  ];
}
