// Signs outbound messages with every active DKIM key of the From domain (relaxed/relaxed, From
// over-signed), using mailauth's canonicalization. A private key found neither as a file nor sealed in
// the database rejects the call.
import { createHash, createPrivateKey, webcrypto } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Db } from '../store/db.js';
import { activeKeysQuery, readPrivateKey, type DkimKey } from './dkim-keys.js';

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

/**
 * mailauth's canonicalization helpers, loaded on the first signature: they pull in a public suffix
 * list and more (about 0.3 s and 80 MB), which a server that signs nothing should not pay for.
 */
async function loadMailauth() {
  const [{ dkimBody }, { generateCanonicalizedHeader }, { MessageParser }, tools] = await Promise.all([
    import('mailauth/lib/dkim/body/index.js'),
    import('mailauth/lib/dkim/header/index.js'),
    import('mailauth/lib/dkim/message-parser.js'),
    import('mailauth/lib/tools.js'),
  ]);
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
  return { MessageDigest, generateCanonicalizedHeader, formatSignatureHeaderLine: tools.formatSignatureHeaderLine, writeToStream: tools.writeToStream };
}
type Mailauth = Awaited<ReturnType<typeof loadMailauth>>;
let mailauth: Promise<Mailauth> | null = null;

/**
 * Signs with the database's active keys. Rows are read on every call (one indexed query), so keys
 * added, rotated or retired by the CLI apply at once; parsed private keys (from the file, else the
 * sealed copy) are cached by file path, which is never reused (one per selector, written once).
 * @example const sig = await new DkimSigner(db, config.dataDir).signatureFor('example.com', body)
 */
export class DkimSigner {
  private readonly privateKeys = new Map<string, Promise<webcrypto.CryptoKey>>();

  private readonly activeKeys: (domain: string) => DkimKey[];

  constructor(private readonly db: Db, private readonly dataDir: string, private readonly clock: () => Date = () => new Date()) {
    this.activeKeys = activeKeysQuery(db);
  }

  /** DKIM-Signature field(s), each ending in CRLF, to prepend; null when the domain has no active key. */
  async signatureFor(senderDomain: string, message: Buffer | Readable): Promise<string | null> {
    // In memory, a look at the From field tells whether anything will sign before hashing the body.
    if (Buffer.isBuffer(message) && !this.mightSign(message, senderDomain)) return null;
    const m = await (mailauth ??= loadMailauth());
    const digest = new m.MessageDigest();
    await m.writeToStream(digest, message);
    const { headers, bodyHash } = digest.result();
    const domain = fromDomain(headers) ?? senderDomain.toLowerCase();
    const keys = this.activeKeys(domain);
    if (keys.length === 0) return null;
    const lines = signingLines(headers);
    const time = this.clock();
    const fields = await Promise.all(keys.map(async (k) => signatureField(m, k, await this.privateKey(k), lines, bodyHash, time)));
    return fields.map((f) => f + '\r\n').join('');
  }

  /** False when neither the From domain nor the sender's domain has an active key. */
  private mightSign(message: Buffer, senderDomain: string): boolean {
    const end = message.indexOf('\r\n\r\n');
    const header = message.subarray(0, end < 0 ? message.length : end).toString('latin1').replace(/\r\n[ \t]/g, ' ');
    const fromField = /^From:([^\r\n]*)/im.exec(header)?.[1] ?? '';
    const domains = [...fromField.matchAll(/@([A-Za-z0-9.-]+)/g)].map((x) => x[1]!.toLowerCase().replace(/\.$/, ''));
    return [...domains, senderDomain.toLowerCase()].some((d) => this.activeKeys(d).length > 0);
  }

  /** WebCrypto keys, so signatures are computed on libuv's thread pool, not on the event loop. */
  private privateKey(key: DkimKey): Promise<webcrypto.CryptoKey> {
    let cached = this.privateKeys.get(key.keyPath);
    if (cached === undefined) {
      const der = createPrivateKey(readPrivateKey(this.db, this.dataDir, key)).export({ type: 'pkcs8', format: 'der' });
      const algorithm = key.algorithm === 'rsa-sha256' ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } : { name: 'Ed25519' };
      cached = webcrypto.subtle.importKey('pkcs8', der, algorithm, false, ['sign']);
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

async function signatureField(m: Mailauth, key: DkimKey, privateKey: webcrypto.CryptoKey, lines: ReturnType<typeof signingLines>, bodyHash: string, time: Date): Promise<string> {
  const { canonicalizedHeader, dkimHeaderOpts } = m.generateCanonicalizedHeader('DKIM', lines, {
    signingDomain: key.domain, selector: key.selector, algorithm: key.algorithm,
    canonicalization: 'relaxed/relaxed', bodyHash, signTime: time,
  });
  // RFC 8463: Ed25519 signs the SHA-256 digest of the canonical header, RSA signs it directly.
  const data = key.algorithm === 'rsa-sha256' ? canonicalizedHeader : createHash('sha256').update(canonicalizedHeader).digest();
  const b = Buffer.from(await webcrypto.subtle.sign(privateKey.algorithm.name, privateKey, data));
  return m.formatSignatureHeaderLine('DKIM', { ...dkimHeaderOpts, b: b.toString('base64') }, true);
}
