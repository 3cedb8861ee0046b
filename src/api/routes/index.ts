// Every route module of the API, in the order they appear in the OpenAPI document.
import type { ApiContext } from '../context.js';
import type { RouteSpec } from '../route.js';
import { healthRoutes } from './health.js';

export function allRoutes(ctx: ApiContext): RouteSpec[] {
  return [...healthRoutes(ctx)];
}
