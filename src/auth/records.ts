// The DNS records a sending domain should publish (DKIM, SPF, DMARC, MX, MTA-STS, TLS-RPT), as data
// and as zone-file text. Pure composition over its inputs: no I/O, never throws.
import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';
import type { DkimKey } from './dkim-keys.js';

/** One record to publish; `strings` is `value` split into the ≤255-byte character strings TXT needs. */
export interface DnsRecord {
  name: string;
  type: 'TXT' | 'MX';
  ttl: number;
  value: string;
  strings: string[];
  purpose: string;
}

export interface RecordsInput {
  domain: string;
  /** Our host name: the MX target and the MTA-STS policy's mx. */
  hostname: string;
  /** The domain also receives mail here (so bounces to it come back to us). */
  local: boolean;
  /** The domain's keys; pending, active, and retired ones not yet past retire_at are published. */
  keys: readonly DkimKey[];
  /** delivery.sources addresses; empty means SPF falls back to `mx`. */
  sources: readonly string[];
  now?: number;
  ttl?: number;
}

const TXT_CHUNK = 255;
const MTA_STS_MAX_AGE = 604800;

/** Split a TXT value into character strings of at most 255 bytes (values here are ASCII). */
export function splitTxt(value: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < value.length; i += TXT_CHUNK) out.push(value.slice(i, i + TXT_CHUNK));
  return out.length > 0 ? out : [''];
}

/** The MTA-STS policy Petrel would serve at https://mta-sts.<domain>/.well-known/mta-sts.txt. */
export function mtaStsPolicy(hostname: string): string {
  return `version: STSv1\r\nmode: testing\r\nmx: ${hostname}\r\nmax_age: ${MTA_STS_MAX_AGE}\r\n`;
}

/** Every record for the domain, DKIM first. @example domainRecords({ domain: 'example.com', ... }) */
export function domainRecords(input: RecordsInput): DnsRecord[] {
  const ttl = input.ttl ?? 3600;
  const d = input.domain;
  const txt = (name: string, value: string, purpose: string): DnsRecord => ({ name, type: 'TXT', ttl, value, strings: splitTxt(value), purpose });
  const records = publishedKeys(input).map((k) => dkimRecord(k, ttl));
  records.push(txt(d, spfValue(input.sources), input.sources.length > 0 ? 'SPF: the delivery.sources addresses' : 'SPF: no delivery.sources configured, so the domain\'s MX hosts'));
  records.push(txt(`_dmarc.${d}`, `v=DMARC1; p=none; rua=mailto:dmarc-reports@${d}`, 'DMARC: monitor only, aggregate reports'));
  if (input.local) records.push({ name: d, type: 'MX', ttl, value: `10 ${input.hostname}.`, strings: [`10 ${input.hostname}.`], purpose: 'MX: mail for the domain, bounces included, comes here' });
  records.push(txt(`_mta-sts.${d}`, `v=STSv1; id=${mtaStsId(input.hostname)}`, 'MTA-STS: a policy is published (id changes with it)'));
  records.push(txt(`_smtp._tls.${d}`, `v=TLSRPTv1; rua=mailto:tls-reports@${d}`, 'TLS-RPT: where TLS failure reports go'));
  return records;
}

/** The TXT record publishing one DKIM key. */
export function dkimRecord(key: DkimKey, ttl = 3600): DnsRecord {
  const value = `v=DKIM1; k=${key.algorithm === 'rsa-sha256' ? 'rsa' : 'ed25519'}; p=${key.publicKey}`;
  const purpose = `DKIM ${key.algorithm} key ${key.selector} (${key.state})`;
  return { name: `${key.selector}._domainkey.${key.domain}`, type: 'TXT', ttl, value, strings: splitTxt(value), purpose };
}

/** The records as zone-file lines, each preceded by a comment saying what it is for. */
export function formatZone(records: readonly DnsRecord[]): string {
  const lines: string[] = [];
  for (const r of records) {
    lines.push(`; ${r.purpose}`);
    const data = r.type === 'MX' ? r.value : txtData(r.strings);
    lines.push(`${r.name}. IN ${r.type} ${data}`);
  }
  return lines.join('\n') + '\n';
}

/** The MTA-STS policy as zone-file comment lines, to go after the records. */
export function formatPolicyComment(hostname: string, domain: string): string {
  const lines = [`; MTA-STS policy, served by Petrel (mtaStsServer) at https://mta-sts.${domain}/.well-known/mta-sts.txt:`];
  for (const line of mtaStsPolicy(hostname).trimEnd().split('\r\n')) lines.push(`;   ${line}`);
  return lines.join('\n') + '\n';
}

function txtData(strings: readonly string[]): string {
  const quoted = strings.map((s) => `"${s.replace(/["\\]/g, '\\$&')}"`);
  return quoted.length === 1 ? quoted[0]! : `( ${quoted.join(' ')} )`;
}

function publishedKeys(input: RecordsInput): DkimKey[] {
  const now = input.now ?? Date.now();
  return input.keys.filter((k) => k.state !== 'retired' || (k.retireAt !== null && k.retireAt > now));
}

function spfValue(sources: readonly string[]): string {
  if (sources.length === 0) return 'v=spf1 mx ~all';
  const mechanisms = sources.map((a) => (isIPv6(a) ? `ip6:${a}` : `ip4:${a}`));
  return `v=spf1 ${mechanisms.join(' ')} ~all`;
}

/** The policy id changes exactly when the policy does (1–32 alphanumerics, RFC 8461 §3.1). */
function mtaStsId(hostname: string): string {
  return createHash('sha256').update(mtaStsPolicy(hostname)).digest('hex').slice(0, 20);
}
