// `petrel identity test NAME`: connect to a relay identity's relay as delivery would (its TLS mode,
// its credentials unsealed), EHLO, STARTTLS, AUTH, QUIT, and log in to its mailbox when it has IMAP
// (LOGIN or XOAUTH2, list the folders, LOGOUT); print each step and a fix for what fails. Exit 1 when
// a step failed, 2 for an identity with neither a relay nor IMAP (nothing to log in to).
import type { Command } from 'commander';
import { checkIdentity } from '../../identities/identity-check.js';
import { formatProbeReport } from '../../identities/probe.js';
import { IdentityStore } from '../../identities/store.js';
import { secretKeyPath } from '../../store/paths.js';
import { readSecretKey } from '../../store/seal.js';
import { configFor, withDatabase } from '../context.js';
import { UsageError } from '../errors.js';

export function registerIdentityTest(identity: Command): void {
  identity
    .command('test <name>')
    .description("log in to an identity's relay (connect, EHLO, STARTTLS, AUTH, QUIT) and its IMAP mailbox, with a fix for what fails")
    .action(async (name: string, _raw: unknown, command: Command) => {
      const config = configFor(command);
      const report = await withDatabase(config, async (db) => {
        const store = new IdentityStore(db, readSecretKey(secretKeyPath(config)));
        const found = store.get(name);
        if (!found) throw new Error(`no identity ${name}`);
        const report = await checkIdentity(store, found, config);
        if (!report) throw new UsageError(`identity ${name} sends by MX (--via mta) and has no IMAP mailbox: there is nothing to log in to; see petrel domain check ${found.domain}`);
        return report;
      });
      process.stdout.write(formatProbeReport(report));
      if (!report.ok) throw new Error(`identity test of ${name} failed at ${report.steps.find((s) => !s.ok)?.step ?? 'a step'}`);
    });
}
