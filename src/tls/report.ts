// Logs what a set of loaded pairs serves: names and expiry of each, plus warnings for an expired pair
// or a hostname that no pair covers. Only logs; never throws and never rejects a pair.
import type { TlsLogger } from './certificates.js';
import { coversName, expiresAt, type LoadedKeyPair } from './keypair.js';

/**
 * An expired certificate is served anyway: most MTAs do not verify, so refusing to start would lose
 * mail for no gain. `checkHostname` is off for the self-signed pair, which is made for the hostname.
 */
export function reportLoaded(
  pairs: readonly LoadedKeyPair[],
  hostname: string,
  checkHostname: boolean,
  log: TlsLogger,
  now = new Date(),
): void {
  for (const { files, certificate } of pairs) {
    const names = certificate.subjectAltName ?? certificate.subject;
    const fields = { file: files.cert, names, expires: certificate.validTo };
    if (expiresAt(certificate) <= now) {
      log.warn(fields, 'TLS certificate has expired; serving it until replaced');
    } else {
      log.info(fields, 'TLS certificate loaded');
    }
  }
  if (checkHostname && !pairs.some((pair) => coversName(pair.certificate, hostname, true))) {
    log.warn({ hostname }, 'no TLS certificate covers the hostname; clients that verify it will fail');
  }
}
