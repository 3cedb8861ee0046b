// Sending-identity helpers for tests: add a relay identity pointing at a sink, read `identity list`
// and `identity show` as JSON, and the MAIL FROM / From header of what a sink received.
import assert from 'node:assert/strict';
import type { Petrel } from './petrel.js';
import type { Sink, SinkMessage } from './sink.js';

/** `identity list --json` of `p`, by name. */
export async function identities(p: Petrel): Promise<Record<string, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const r = await p.cli(['identity', 'list', '--json']);
  assert.equal(r.code, 0, r.stderr);
  return Object.fromEntries((JSON.parse(r.stdout) as Array<{ name: string }>).map((v) => [v.name, v]));
}

/** `identity show NAME --json`. */
export async function identity(p: Petrel, name: string): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const r = await p.cli(['identity', 'show', name, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** Adds a relay identity `name@outreach.test` sending to `sink` (plaintext, no AUTH: smtp-sink has none). */
export async function relayIdentity(p: Petrel, name: string, sink: Pick<Sink, 'address' | 'port'>, extra: string[] = []): Promise<void> {
  const r = await p.cli(['identity', 'add', name, '--from', `${name}@outreach.test`, '--via', 'relay', '--relay-host', sink.address, '--relay-port', String(sink.port), '--relay-tls', 'none', ...extra]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
}

/** Runs an admin command and fails the test unless it exits 0. */
export async function cliOk(p: Petrel, args: string[], stdin?: string): Promise<string> {
  const r = await p.cli(args, stdin);
  assert.equal(r.code, 0, `petrel ${args.join(' ')}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

export const mailFrom = (m: SinkMessage): string | undefined => /<([^>]*)>/.exec(m.mailArgs)?.[1];
export const fromHeader = (m: SinkMessage): string | undefined => /^From: (.*)$/m.exec(m.content)?.[1];
