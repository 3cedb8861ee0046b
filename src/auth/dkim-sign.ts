// Signs outbound messages with every active DKIM key of the From domain (relaxed/relaxed, From
// over-signed), using mailauth's canonicalization. A missing or unreadable key file rejects the call.
import { createHash, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { dkimBody } from 'mailauth/lib/dkim/body/index.js';
import { generateCanonicalizedHeader } from 'mailauth/lib/dkim/header/index.js';
import { MessageParser } from 'mailauth/lib/dkim/message-parser.js';
import { formatSignatureHeaderLine, writeToStream } from 'mailauth/lib/tools.js';
import type { Db } from '../store/db.js';
import { dkimKeysIn, type DkimKey } from './dkim-keys.js';

/**
 * RFC 6376 §5.4.1's recommended fields, plus Sender, Message-ID, the MIME fields and RFC 8058's
 * List-Unsubscribe-Post. Each is signed as often as it occurs; From once more (over-signed), so a
 * second From added in transit breaks the signature.
 */
export const SIGNED_HEADERS: readonly string[] = [
  'From', 'Sender', 'Reply-To', 'Subject', 'Date', 'To', 'Cc', 'Message-ID', 'In-Reply-To', 'References',
  'Resent-Date', 'Resent-From', 'Resent-To', 'Resent-Cc', 'MIME-Version', 'Content-Type', 'Content-Transfer-Encoding',
  'List-Id', 'List-Help', 'List-Unsubscribe', 'List-Unsubscribe-Post', 'List-Subscribe', 'List-Post', 'List-Owner', 'List-Archive',
];

type ParsedHeader = { key: string | null; line: Buffer };

/** Header parsing and the relaxed SHA-256 body hash in one pass over the message. */
class MessageDigest extends MessageParser {
  private readonly hasher = dkimBody('relaxed', 'sha256', false);
  override async nextChunk(chunk: Buffer): Promise<void> {
    this.hasher.update(chunk);
  }
  result(): { headers: ParsedHeader[]; bodyHash: string } {
    return { headers: this.headers === false ? [] : this.headers.parsed, bodyHash: this.hasher.digest('base64') };
  }
}

/**
 * Signs with the database's active keys. Rows are read on every call (one indexed query), so keys
 * added, rotated or retired by the CLI apply at once; parsed private keys are cached by file path,
 * which is never reused (one file per selector, written once).
 * @example const sig = await new DkimSigner(db, config.dataDir).signatureFor('example.com', body)
 */
export class DkimSigner {
  private readonly privateKeys = new Map<string, KeyObject>();

  constructor(private readonly db: Db, private readonly dataDir: string, private readonly clock: () => Date = () => new Date()) {}

  /** DKIM-Signature field(s), each ending in CRLF, to prepend; null when the domain has no active key. */
  async signatureFor(senderDomain: string, message: Buffer | Readable): Promise<string | null> {
    const digest = new MessageDigest();
    await writeToStream(digest, message);
    const { headers, bodyHash } = digest.result();
    const domain = fromDomain(headers) ?? senderDomain.toLowerCase();
    const keys = dkimKeysIn(this.db, domain, ['active']);
    if (keys.length === 0) return null;
    const lines = signingLines(headers);
    const time = this.clock();
    return keys.map((k) => signatureField(k, this.privateKey(k), lines, bodyHash, time) + '\r\n').join('');
  }

  private privateKey(key: DkimKey): KeyObject {
    let cached = this.privateKeys.get(key.keyPath);
    if (cached === undefined) {
      cached = createPrivateKey(readFileSync(join(this.dataDir, key.keyPath)));
      this.privateKeys.set(key.keyPath, cached);
    }
    return cached;
  }
}

/** The fields to sign in h= order (bottom-most instance first), with From listed once extra. */
export function signingLines(headers: readonly ParsedHeader[]): { keys: string; headers: ParsedHeader[] } {
  const names: string[] = [];
  const chosen: ParsedHeader[] = [];
  for (const name of SIGNED_HEADERS) {
    const key = name.toLowerCase();
    for (const h of headers.filter((x) => x.key === key).reverse()) {
      names.push(name);
      chosen.push(h);
    }
    // The absent extra instance signs as the empty string (RFC 6376 §5.4.2).
    if (key === 'from') names.push(name);
  }
  return { keys: names.join(': '), headers: chosen };
}

/** The domain of the first address in the From field, lower case; null when there is none. */
export function fromDomain(headers: readonly ParsedHeader[]): string | null {
  const from = headers.find((h) => h.key === 'from');
  if (from === undefined) return null;
  const value = from.line.toString('utf8').replace(/^[^:]*:/, '').replace(/\r?\n/g, '');
  const match = /<[^<>@\s]*@([^<>\s]+)>/.exec(value) ?? /[^\s<>@,;:"]+@([A-Za-z0-9.-]+)/.exec(value);
  return match?.[1]?.toLowerCase().replace(/\.$/, '') ?? null;
}

function signatureField(key: DkimKey, privateKey: KeyObject, lines: ReturnType<typeof signingLines>, bodyHash: string, time: Date): string {
  const { canonicalizedHeader, dkimHeaderOpts } = generateCanonicalizedHeader('DKIM', lines, {
    signingDomain: key.domain, selector: key.selector, algorithm: key.algorithm,
    canonicalization: 'relaxed/relaxed', bodyHash, signTime: time,
  });
  // RFC 8463: Ed25519 signs the SHA-256 digest of the canonical header, RSA signs it directly.
  const b = key.algorithm === 'rsa-sha256'
    ? sign('sha256', canonicalizedHeader, privateKey)
    : sign(null, createHash('sha256').update(canonicalizedHeader).digest(), privateKey);
  return formatSignatureHeaderLine('DKIM', { ...dkimHeaderOpts, b: b.toString('base64') }, true);
}
