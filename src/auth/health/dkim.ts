// DKIM health: each active key of ours (dkim_keys) is published at <selector>._domainkey with the
// same p=, is big enough and not in test mode. Unreadable DNS gives `unknown`; a missing key `fail`.
import { createPublicKey } from 'node:crypto';
import type { Db } from '../../store/db.js';
import type { HealthContext } from './context.js';
import { describeDns, looked } from './lookup.js';
import { finding, pass, type Finding } from './report.js';
import { parseTags } from './tags.js';

/** One of our signing keys as stored in dkim_keys. */
export interface DkimKey {
  selector: string;
  algorithm: string;
  /** base64, the p= value. */
  publicKey: string;
}

/** The active keys of `domain`, read straight from the dkim_keys table. */
export function activeDkimKeys(db: Db, domain: string): DkimKey[] {
  return db
    .prepare(`SELECT selector, algorithm, public_key AS publicKey FROM dkim_keys WHERE domain = ? AND state = 'active' ORDER BY selector`)
    .all(domain) as DkimKey[];
}

/** The DKIM findings for `domain` and its active `keys`. */
export async function checkDkim(ctx: HealthContext, domain: string, keys: DkimKey[]): Promise<Finding[]> {
  if (keys.length === 0) return [finding('keys', 'fail', `no active DKIM key for ${domain}`, 'create a DKIM key, publish it and activate it')];
  const perKey = await Promise.all(keys.map((key) => checkKey(ctx, domain, key)));
  return perKey.flat();
}

async function checkKey(ctx: HealthContext, domain: string, key: DkimKey): Promise<Finding[]> {
  const name = `${key.selector}._domainkey.${domain}`;
  const check = `selector ${key.selector}`;
  const publish = `publish TXT "v=DKIM1; k=${key.algorithm.startsWith('ed25519') ? 'ed25519' : 'rsa'}; p=${key.publicKey}" at ${name}`;
  const txt = await looked(ctx.resolver.txt(name));
  if (!Array.isArray(txt)) return [finding(check, 'unknown', describeDns(txt), 'retry; DNS did not answer')];
  const records = txt.map((t) => parseTags(t)).filter((t): t is Map<string, string> => t !== null && t.has('p'));
  if (records.length === 0) return [finding(check, 'fail', `no DKIM key record at ${name}`, publish)];
  if (records.length > 1) return [finding(check, 'fail', `${records.length} DKIM key records at ${name}`, `keep only one record at ${name}`)];
  const tags = records[0]!;
  const published = (tags.get('p') ?? '').replace(/\s+/g, '');
  if (published !== key.publicKey.replace(/\s+/g, '')) return [finding(check, 'fail', `p= at ${name} is not our ${key.algorithm} key`, publish)];
  return [pass(check, `published at ${name}`), sizeFinding(check, key), testModeFinding(check, tags, name)];
}

function sizeFinding(check: string, key: DkimKey): Finding {
  if (key.algorithm.startsWith('ed25519')) return pass(`${check} size`, 'Ed25519 key');
  const bits = rsaBits(key.publicKey);
  if (bits === null) return finding(`${check} size`, 'fail', 'the RSA public key does not parse', 'generate a new key');
  if (bits < 1024) return finding(`${check} size`, 'fail', `${bits}-bit RSA key (receivers reject < 1024)`, 'rotate to a 2048-bit RSA key');
  if (bits < 2048) return finding(`${check} size`, 'warn', `${bits}-bit RSA key`, 'rotate to a 2048-bit RSA key');
  return pass(`${check} size`, `${bits}-bit RSA key`);
}

function rsaBits(base64: string): number | null {
  try {
    const key = createPublicKey({ key: Buffer.from(base64, 'base64'), format: 'der', type: 'spki' });
    return key.asymmetricKeyDetails?.modulusLength ?? null;
  } catch {
    return null;
  }
}

function testModeFinding(check: string, tags: Map<string, string>, name: string): Finding {
  const flags = (tags.get('t') ?? '').split(':').map((f) => f.trim().toLowerCase());
  if (flags.includes('y')) return finding(`${check} test mode`, 'warn', `t=y at ${name}: receivers treat signatures as unsigned`, 'remove t=y from the key record');
  return pass(`${check} test mode`, 'not in test mode');
}
