// /v1/domains: the domains Petrel receives for and sends from, their DNS records and `domain check`,
// through the same functions as `petrel domain`. Unknown domains 404, duplicates 409, bad names 400.
import { z } from 'zod';
import { listDkimKeys, type DkimAlgorithm, type DkimKey } from '../../auth/dkim-keys.js';
import { addDomainWithKeys, domainRecordsFor, domainToCheck } from '../../auth/domain-setup.js';
import { contextFromConfig, type HealthContext } from '../../auth/health/context.js';
import { checkDomain } from '../../auth/health/domain-check.js';
import { AREAS, hasFailure } from '../../auth/health/report.js';
import { DnsResolver } from '../../dns/resolver.js';
import { getDomain, listDomains, removeDomain, requireDomainName, type DomainRecord } from '../../store/domains.js';
import type { ApiContext } from '../context.js';
import { notFound } from '../errors.js';
import { route } from '../route.js';
import { decodeCursor, deleted, iso, listOf, page, pageQuery, storeCall } from './admin-common.js';

const TAG = 'domains';
const DKIM_CHOICES: Record<'rsa' | 'rsa+ed25519' | 'none', DkimAlgorithm[]> = {
  rsa: ['rsa-sha256'],
  'rsa+ed25519': ['rsa-sha256', 'ed25519-sha256'],
  none: [],
};

const nameParams = z.strictObject({ name: z.string().min(1).max(253).describe('the domain name') });
const listQuery = z.strictObject(pageQuery);
const addBody = z.strictObject({
  name: z.string().min(1).max(253),
  local: z.boolean().optional().describe('accept mail for it on the MX listeners'),
  sending: z.boolean().optional().describe('let authenticated users and API keys send from it'),
  catchAll: z.boolean().optional().describe('accept every address at it (implies local)'),
  dkim: z.enum(['rsa', 'rsa+ed25519', 'none']).default('rsa').describe('DKIM keys created for a sending domain'),
});

const dkimKeyView = z.object({ selector: z.string(), algorithm: z.string(), state: z.enum(['pending', 'active', 'retired']) });
const domainView = z.object({
  name: z.string(),
  local: z.boolean(),
  sending: z.boolean(),
  catchAll: z.boolean(),
  createdAt: z.string(),
  dkimKeys: z.array(dkimKeyView),
});
const recordView = z.object({
  name: z.string(),
  type: z.enum(['TXT', 'MX']),
  ttl: z.number(),
  value: z.string(),
  strings: z.array(z.string()),
  purpose: z.string(),
});
const checkView = z.object({
  domain: z.string(),
  ok: z.boolean().describe('false when any finding fails'),
  findings: z.array(z.object({
    area: z.enum(AREAS),
    check: z.string(),
    status: z.enum(['pass', 'warn', 'fail', 'unknown', 'info']),
    message: z.string(),
    fix: z.string(),
  })),
});

function view(d: DomainRecord, keys: readonly DkimKey[]): z.infer<typeof domainView> {
  const dkimKeys = keys.filter((k) => k.domain === d.name).map((k) => ({ selector: k.selector, algorithm: k.algorithm, state: k.state }));
  return { name: d.name, local: d.local, sending: d.sending, catchAll: d.catchAll, createdAt: iso(d.createdAt)!, dkimKeys };
}

/** A bare add (no flag set) is the common self-hosted case, as in the CLI: we both receive and send. */
function flagsOf(body: z.infer<typeof addBody>) {
  const flags = { local: body.local ?? false, sending: body.sending ?? false, catchAll: body.catchAll ?? false };
  return flags.local || flags.sending || flags.catchAll ? flags : { local: true, sending: true, catchAll: false };
}

export function domainRoutes(ctx: ApiContext) {
  let health: HealthContext | null = null; // one resolver (and its cache) for every check
  const healthContext = () => (health ??= contextFromConfig(ctx.config, DnsResolver.fromConfig(ctx.config.dns)));
  const known = (input: string): string => {
    const name = storeCall(() => requireDomainName(input), 'params.name');
    if (getDomain(ctx.db, name) === null) throw notFound(`domain ${name}`);
    return name;
  };

  return [
    route({
      method: 'GET', url: '/v1/domains', scope: 'read', tag: TAG, summary: 'List domains with their DKIM keys',
      query: listQuery,
      responses: { 200: ['domains by name', listOf(domainView)] },
      handler: ({ query }) => {
        const after = query.cursor === undefined ? null : decodeCursor(query.cursor, z.string());
        const domains = listDomains(ctx.db).filter((d) => after === null || d.name > after);
        const keys = listDkimKeys(ctx.db);
        const { data, nextCursor } = page(domains, query.limit, (d) => d.name);
        return { data: data.map((d) => view(d, keys)), nextCursor };
      },
    }),
    route({
      method: 'POST', url: '/v1/domains', scope: 'admin', tag: TAG, summary: 'Add a domain (a sending one gets DKIM keys)',
      body: addBody,
      responses: { 201: ['added', domainView], 400: ['bad name or body'], 409: ['the domain exists'] },
      handler: ({ body, reply }) => {
        const algorithms = DKIM_CHOICES[body.dkim];
        const { added, keys } = storeCall(() => addDomainWithKeys(ctx.db, ctx.config.dataDir, body.name, flagsOf(body), algorithms), 'body.name');
        void reply.code(201);
        return view(added, keys);
      },
    }),
    route({
      method: 'DELETE', url: '/v1/domains/:name', scope: 'admin', tag: TAG, summary: 'Remove a domain (its users and DKIM keys stay)',
      params: nameParams,
      responses: { 204: deleted, 404: ['no such domain'] },
      handler: ({ params, reply }) => {
        storeCall(() => removeDomain(ctx.db, params.name), 'params.name');
        return reply.code(204).send();
      },
    }),
    route({
      method: 'GET', url: '/v1/domains/:name/records', scope: 'read', tag: TAG, summary: 'The DNS records to publish for a domain',
      params: nameParams,
      responses: { 200: ['DKIM, SPF, DMARC, MX, MTA-STS and TLS-RPT records', z.object({ data: z.array(recordView) })], 404: ['no such domain'] },
      handler: ({ params }) => ({ data: storeCall(() => domainRecordsFor(ctx.db, ctx.config, params.name), 'params.name') }),
    }),
    route({
      method: 'POST', url: '/v1/domains/:name/check', scope: 'admin', tag: TAG,
      summary: 'Check DNS (SPF, DKIM, DMARC, MX, PTR, MTA-STS) and blocklists; takes seconds',
      params: nameParams,
      responses: { 200: ['the findings', checkView], 404: ['no such domain'] },
      handler: async ({ params }) => {
        const target = domainToCheck(ctx.db, known(params.name));
        const report = await checkDomain(healthContext(), target);
        return { domain: report.domain, ok: !hasFailure([report]), findings: report.findings };
      },
    }),
  ];
}
