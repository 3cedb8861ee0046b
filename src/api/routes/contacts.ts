// /v1/contacts and /v1/lists: contacts and lists through ContactStore, imports through the same path as
// `petrel contacts import` (JSON or text/csv). Bad names and headers are 400s; absent contacts or lists 404s.
import { Readable } from 'node:stream';
import { z } from 'zod';
import { CsvHeaderError } from '../../contacts/csv.js';
import { importCsv, importRows, type ImportOptions } from '../../contacts/import.js';
import { cleanFields, SKIP_REASONS } from '../../contacts/rows.js';
import { ContactStore, requireListName, type Contact, type ListInfo } from '../../contacts/store.js';
import { DnsResolver } from '../../dns/resolver.js';
import { SuppressionStore } from '../../suppression/store.js';
import type { ApiContext } from '../context.js';
import { ApiError, notFound } from '../errors.js';
import { route } from '../route.js';
import { decodeCursor, deleted, iso, listOf, page, pageQuery, storeCall } from './admin-common.js';

const TAG = 'contacts';
const listName = z.string().min(1).max(64).describe('letters, digits, ".", "_" and "-"');
const emailParams = z.strictObject({ email: z.string().min(1).max(320) });
const nameParams = z.strictObject({ name: listName });
const listQuery = z.strictObject({ list: listName.optional().describe('only the members of this list'), ...pageQuery });
const removeQuery = z.strictObject({ list: listName.optional().describe('only take the contact off this list') });
const importQuery = z.strictObject({
  mxCheck: z.enum(['true', 'false']).optional().describe('text/csv bodies: "false" skips the DNS checks'),
});
const importBody = z.strictObject({
  contacts: z.array(z.strictObject({
    email: z.string().max(998),
    fields: z.record(z.string().max(200), z.string().max(10_000)).default({}),
  })).max(100_000),
  mxCheck: z.boolean().default(true).describe('check that each domain can receive mail (MX, else A/AAAA; null MX)'),
});

const contactView = z.object({
  email: z.string().describe('lower-cased address: the key'),
  address: z.string().describe('as imported'),
  fields: z.record(z.string(), z.string()),
  orgDomain: z.string(),
  lists: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const listView = z.object({ name: z.string(), createdAt: z.string(), members: z.number().int() });
const resultView = z.object({
  list: z.string(),
  rows: z.number().int(),
  imported: z.number().int().describe('new contacts'),
  updated: z.number().int().describe('existing contacts: fields merged, added to the list'),
  skipped: z.array(z.object({ line: z.number().int(), email: z.string(), reason: z.enum(SKIP_REASONS), detail: z.string() })),
  warnings: z.array(z.object({ line: z.number().int().optional(), domain: z.string().optional(), detail: z.string() })),
});
const cursorShape = z.tuple([z.number().int(), z.string()]);

const view = (c: Contact): z.infer<typeof contactView> => ({ ...c, createdAt: iso(c.createdAt)!, updatedAt: iso(c.updatedAt)! });
const listInfo = (l: ListInfo): z.infer<typeof listView> => ({ ...l, createdAt: iso(l.createdAt)! });

export function contactRoutes(ctx: ApiContext) {
  const contacts = new ContactStore(ctx.db);
  const stores = { contacts, suppressions: new SuppressionStore(ctx.db) };
  const resolver = DnsResolver.fromConfig(ctx.config.dns);
  const checkedList = (name: string) => storeCall(() => requireListName(name), 'params.name');

  return [
    route({
      method: 'GET', url: '/v1/contacts', scope: 'read', tag: TAG, summary: 'List contacts (of one list), newest first',
      query: listQuery,
      responses: { 200: ['contacts with their fields and lists', listOf(contactView)] },
      handler: ({ query }) => {
        const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, cursorShape);
        const found = contacts.list({ list: query.list, limit: query.limit + 1, after: after && { createdAt: after[0], email: after[1] } });
        const { data, nextCursor } = page(found, query.limit, (c) => [c.createdAt, c.email]);
        return { data: data.map(view), nextCursor };
      },
    }),
    route({
      method: 'GET', url: '/v1/contacts/:email', scope: 'read', tag: TAG, summary: 'One contact with its fields and lists',
      params: emailParams,
      responses: { 200: ['the contact', contactView], 404: ['no such contact'] },
      handler: ({ params }) => {
        const contact = contacts.get(params.email);
        if (contact === null) throw notFound(`contact ${params.email.toLowerCase()}`);
        return view(contact);
      },
    }),
    route({
      method: 'DELETE', url: '/v1/contacts/:email', scope: 'admin', tag: TAG, summary: 'Delete a contact, or take it off one list (?list=)',
      params: emailParams, query: removeQuery,
      responses: { 204: deleted, 404: ['no such contact, or not on that list'] },
      handler: ({ params, query, reply }) => {
        if (!contacts.remove(params.email, query.list)) throw notFound(`contact ${params.email.toLowerCase()}${query.list ? ` on list ${query.list}` : ''}`);
        return reply.code(204).send();
      },
    }),
    route({
      method: 'GET', url: '/v1/lists', scope: 'read', tag: TAG, summary: 'Every list with its member count',
      responses: { 200: ['the lists by name', z.object({ data: z.array(listView) })] },
      handler: () => ({ data: contacts.lists().map(listInfo) }),
    }),
    route({
      method: 'DELETE', url: '/v1/lists/:name', scope: 'admin', tag: TAG, summary: 'Delete a list; its members stay as contacts',
      params: nameParams,
      responses: { 204: deleted, 404: ['no such list'] },
      handler: ({ params, reply }) => {
        if (!contacts.removeList(params.name)) throw notFound(`list ${params.name}`);
        return reply.code(204).send();
      },
    }),
    route({
      method: 'POST', url: '/v1/lists/:name/contacts', scope: 'admin', tag: TAG,
      summary: 'Import contacts into a list (created if needed): JSON, or a CSV file as text/csv; bad rows are skipped and reported',
      params: nameParams, query: importQuery, body: importBody, rawTypes: ['text/csv'],
      responses: { 200: ['the import ran (some rows may be skipped)', resultView], 400: ['bad list name, body or CSV header'] },
      handler: async ({ params, query, body, request }) => {
        const list = checkedList(params.name);
        if (Buffer.isBuffer(body)) {
          if (!/^text\/csv\b/i.test(request.headers['content-type'] ?? '')) throw new ApiError(415, 'unsupported_media_type', 'this endpoint takes application/json or text/csv');
          const options: ImportOptions = { list, resolver: query.mxCheck === 'false' ? null : resolver };
          return csvImport(() => importCsv(stores, Readable.from([body]), options));
        }
        const rows = body.contacts.map((c, i) => ({ line: i + 1, address: c.email, fields: cleanFields(Object.entries(c.fields)) }));
        return importRows(stores, rows, { list, resolver: body.mxCheck ? resolver : null });
      },
    }),
  ];
}

/** A CSV file whose header cannot be used is the client's mistake. */
async function csvImport<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof CsvHeaderError) throw new ApiError(400, 'invalid_request', `body: ${err.message}`, 'body');
    throw err;
  }
}
