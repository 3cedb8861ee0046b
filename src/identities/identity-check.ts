// `identity test` for the CLI and the API: probe an identity's relay (when it sends through one) and
// log in to its mailbox (when it has IMAP), one report for both. Null when there is nothing to test.
import { readFileSync } from 'node:fs';
import type { PetrelConfig } from '../config/schema.js';
import { imapTargetOf, probeImap } from './imap-probe.js';
import { combineReports, type ProbeReport } from './probe-report.js';
import { probeTargetOf } from './probe-target.js';
import { probeRelay } from './probe.js';
import type { IdentityStore } from './store.js';
import type { Identity } from './types.js';

export async function checkIdentity(store: IdentityStore, identity: Identity, config: PetrelConfig): Promise<ProbeReport | null> {
  const relay = probeTargetOf(store, identity);
  const imap = imapTargetOf(store, identity);
  if (!relay && !imap) return null;
  const ca = config.delivery.tls.caFiles.map((file) => readFileSync(file, 'utf8'));
  const reports: ProbeReport[] = [];
  if (relay) reports.push(await probeRelay(relay, { helo: config.delivery.helo ?? config.hostname, ca }));
  if (imap) reports.push(await probeImap(imap, { ca }));
  return combineReports(reports);
}
