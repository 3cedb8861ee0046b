// Reads the openspf RFC 7208 test suite (YAML) into scenarios whose zone data is a Zone for
// startDnsServer. Throws on a record type or shape the converter does not know, so no data is dropped.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import type { Zone, ZoneEntry } from './dns-server.js';

/** One test of the suite: the SMTP identities and the acceptable result(s). */
export interface SpfCase {
  name: string;
  helo: string;
  host: string;
  mailfrom: string;
  results: string[];
  explanation?: string;
  spec?: string;
}

export interface SpfScenario {
  description: string;
  zone: Zone;
  cases: SpfCase[];
}

type RawRecord = 'TIMEOUT' | Record<string, unknown>;
type RawDoc = { description?: string; tests?: Record<string, Record<string, unknown>>; zonedata?: Record<string, RawRecord[]> };

/** Every scenario of the suite file at `path`, in file order. */
export function loadSpfSuite(path: string): SpfScenario[] {
  const docs = parseAllDocuments(readFileSync(path, 'utf8')).map((doc) => doc.toJS() as RawDoc);
  return docs.map((doc) => ({
    description: doc.description ?? '(no description)',
    zone: toZone(doc.zonedata ?? {}),
    cases: Object.entries(doc.tests ?? {}).map(([name, raw]) => toCase(name, raw)),
  }));
}

function toCase(name: string, raw: Record<string, unknown>): SpfCase {
  const result = raw['result'];
  const results = (Array.isArray(result) ? result : [result]).map(String);
  const text = (key: string) => (raw[key] === undefined ? undefined : String(raw[key]));
  return { name, helo: text('helo') ?? '', host: text('host') ?? '', mailfrom: text('mailfrom') ?? '', results, explanation: text('explanation'), spec: text('spec') };
}

/**
 * The suite's conventions, as its drivers apply them: type SPF (99) records are copied to TXT when a
 * name has no TXT of its own ("TXT: NONE" forbids that); "TIMEOUT" makes queries for the types a
 * name has no records of go unanswered, while the records it does have are served.
 */
export function toZone(zonedata: Record<string, RawRecord[]>): Zone {
  const zone: Zone = {};
  for (const [name, records] of Object.entries(zonedata)) zone[name] = toEntry(name, records);
  return zone;
}

function toEntry(name: string, records: RawRecord[]): ZoneEntry {
  const entry: ZoneEntry = {};
  const spf: (string | string[])[] = [];
  let txtNone = false;
  for (const record of records) {
    if (record === 'TIMEOUT') {
      entry.fault = 'timeout-nodata';
      continue;
    }
    for (const [type, value] of Object.entries(record)) {
      if (type === 'SPF') spf.push(txtValue(value));
      else if (type === 'TXT' && value === 'NONE') txtNone = true;
      else addRecord(entry, name, type, value);
    }
  }
  if (!entry.TXT && !txtNone && spf.length > 0) entry.TXT = spf;
  return entry;
}

function addRecord(entry: ZoneEntry, name: string, type: string, value: unknown): void {
  switch (type) {
    case 'A':
    case 'AAAA':
    case 'PTR':
      (entry[type] ??= []).push(String(value));
      return;
    case 'TXT':
      (entry.TXT ??= []).push(txtValue(value));
      return;
    case 'CNAME':
      entry.CNAME = String(value);
      return;
    case 'MX': {
      const [preference, exchange] = value as [number, string];
      (entry.MX ??= []).push({ preference: Number(preference), exchange: String(exchange) });
      return;
    }
    default:
      throw new Error(`spf-zone: ${name}: unknown record type ${type}`);
  }
}

/** A TXT value: one string, or a list of character-strings forming one record. */
function txtValue(value: unknown): string | string[] {
  return Array.isArray(value) ? value.map(String) : String(value);
}
