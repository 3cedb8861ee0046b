// The certificates the SMTP listeners serve: configured pairs or a self-signed one, picked per SNI name,
// swapped on SIGHUP or file change. load() throws naming a bad file; a failed reload logs and keeps the old.
import tls from 'node:tls';
import {
  assertMinVersion,
  loadKeyPair,
  pickKeyPair,
  type KeyPairFiles,
  type LoadedKeyPair,
  type TlsMinVersion,
} from './keypair.js';
import { reportLoaded } from './report.js';
import { ensureSelfSigned, type SelfSignedOutcome } from './self-signed.js';
import { watchFiles, type FileWatch } from './watcher.js';

/** The slice of a pino logger this module needs. */
export interface TlsLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface TlsSettings {
  /** Empty means: serve a self-signed certificate for `hostname`. */
  certificates: readonly KeyPairFiles[];
  minVersion: TlsMinVersion;
}

export interface CertificateStoreOptions {
  tls: TlsSettings;
  hostname: string;
  dataDir: string;
  log: TlsLogger;
}

type KeyPairSet = readonly [LoadedKeyPair, ...LoadedKeyPair[]];
type SniDone = (err: Error | null, context?: tls.SecureContext) => void;

export class CertificateStore {
  /** True when this start wrote a new self-signed pair (first start, expiry or hostname change). */
  readonly generatedSelfSigned: boolean;
  /** Set whenever the self-signed pair is served; the caller logs it so operators see why it is untrusted. */
  readonly selfSignedNote: string | null;

  readonly #opts: CertificateStoreOptions;
  readonly #files: readonly KeyPairFiles[];
  #pairs: KeyPairSet;
  #reloading: Promise<void> = Promise.resolve();
  #watch: FileWatch | null = null;
  readonly #servers = new Set<tls.Server>();
  readonly #onHangup = (): void => void this.reload();
  readonly #liveDefault = liveContext(() => this.#pairs[0].context);
  readonly #sniCallback = (servername: string, done: SniDone): void =>
    done(null, pickKeyPair(this.#pairs, servername).context);

  private constructor(
    opts: CertificateStoreOptions,
    files: readonly KeyPairFiles[],
    pairs: KeyPairSet,
    selfSigned: SelfSignedOutcome | null,
  ) {
    this.#opts = opts;
    this.#files = files;
    this.#pairs = pairs;
    this.generatedSelfSigned = selfSigned?.created ?? false;
    this.selfSignedNote = selfSigned ? selfSignedNote(selfSigned, opts.hostname) : null;
  }

  /**
   * Load every configured pair, or create/reuse the self-signed one when none is configured.
   * @throws Error naming the file when a certificate or key is missing, unparsable or mismatched.
   * @example const store = await CertificateStore.load({ tls, hostname, dataDir, log });
   */
  static async load(opts: CertificateStoreOptions): Promise<CertificateStore> {
    assertMinVersion(opts.tls.minVersion);
    const selfSigned =
      opts.tls.certificates.length === 0 ? await ensureSelfSigned(opts.hostname, opts.dataDir) : null;
    const files = selfSigned ? [selfSigned.files] : opts.tls.certificates;
    const pairs = await loadAll(files, opts.tls.minVersion);
    reportLoaded(pairs, opts.hostname, selfSigned === null, opts.log);
    return new CertificateStore(opts, files, pairs, selfSigned);
  }

  /**
   * Options for `tls.createServer(...)` or `new tls.TLSSocket(socket, { isServer: true, ...opts })`.
   * The SNI callback and `secureContext` look up the current pairs at each handshake, so a reload
   * reaches listeners built from options fetched earlier. tls.Server ignores `secureContext` and
   * builds its context for clients without SNI from `cert`/`key`; call attach(server) to refresh it.
   */
  serverOptions(): tls.TlsOptions {
    const fallback = this.#pairs[0];
    return {
      minVersion: this.#opts.tls.minVersion,
      secureContext: this.#liveDefault,
      SNICallback: this.#sniCallback,
      cert: fallback.certPem,
      key: fallback.keyPem,
    };
  }

  /**
   * Keep a tls.Server's own context (used for clients without SNI) in step with reloads until the
   * server closes. Reloads rebuild it from serverOptions() alone, so extra createServer options such
   * as `ciphers` would not survive them.
   */
  attach(server: tls.Server): void {
    this.#servers.add(server);
    server.once('close', () => this.#servers.delete(server));
  }

  /** Re-read all files; on any error log it and keep serving the previous pairs. Never rejects. */
  reload(): Promise<void> {
    this.#reloading = this.#reloading.then(() => this.#reloadNow());
    return this.#reloading;
  }

  /** Reload on SIGHUP and, debounced, when a certificate or key file changes. Idempotent. */
  watch(): void {
    if (this.#watch) return;
    const paths = this.#files.flatMap((pair) => [pair.cert, pair.key]);
    const onChange = (): void => void this.reload();
    const onError = (directory: string, err: Error): void =>
      this.#opts.log.warn({ directory, err }, 'cannot watch TLS files; reload with SIGHUP');
    this.#watch = watchFiles(paths, onChange, onError);
    process.on('SIGHUP', this.#onHangup);
  }

  /** Stop watching and release the SIGHUP handler; listeners keep their current contexts. */
  close(): void {
    this.#watch?.close();
    this.#watch = null;
    process.off('SIGHUP', this.#onHangup);
    this.#servers.clear();
  }

  async #reloadNow(): Promise<void> {
    const { tls: settings, hostname, dataDir, log } = this.#opts;
    try {
      if (settings.certificates.length === 0) {
        const outcome = await ensureSelfSigned(hostname, dataDir);
        if (outcome.created) log.warn({ file: outcome.files.cert }, selfSignedNote(outcome, hostname));
      }
      const pairs = await loadAll(this.#files, settings.minVersion);
      this.#pairs = pairs;
      this.#refreshServers();
      reportLoaded(pairs, hostname, settings.certificates.length > 0, log);
      log.info({ count: pairs.length }, 'TLS certificates reloaded; new handshakes use them');
    } catch (err) {
      log.error({ err }, 'TLS reload failed; still serving the previous certificates');
    }
  }

  #refreshServers(): void {
    const { minVersion, cert, key } = this.serverOptions();
    for (const server of this.#servers) {
      try {
        server.setSecureContext({ minVersion, cert, key });
      } catch (err) {
        this.#opts.log.error({ err }, 'cannot refresh a TLS listener; it keeps its previous certificate');
      }
    }
  }
}

async function loadAll(files: readonly KeyPairFiles[], minVersion: TlsMinVersion): Promise<KeyPairSet> {
  const [first, ...rest] = await Promise.all(files.map((pair) => loadKeyPair(pair, minVersion)));
  if (!first) throw new Error('no TLS certificates to load');
  return [first, ...rest];
}

/**
 * A SecureContext whose native handle is read when a socket is wrapped, i.e. once per connection:
 * sockets built from options fetched before a reload still get the current default certificate.
 */
function liveContext(current: () => tls.SecureContext): tls.SecureContext {
  return {
    get context(): unknown {
      return current().context;
    },
  };
}

function selfSignedNote(outcome: SelfSignedOutcome, hostname: string): string {
  const action = outcome.created
    ? `generated a self-signed certificate (${outcome.reason})`
    : 'using the self-signed certificate';
  const advice = 'clients that verify will not trust it; configure tls.certificates';
  return `${action} for ${hostname} at ${outcome.files.cert}; ${advice}`;
}
