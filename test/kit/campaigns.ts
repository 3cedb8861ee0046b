// Campaign-test helpers: contacts imported with the real CLI from a CSV the test writes, campaigns
// created from YAML files, status and contact states read back as JSON, and the parts of delivered
// messages (smtp-sink dumps) a sequencer test asserts on: headers, Message-IDs, threading, bodies.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Petrel } from './petrel.js';
import type { SinkMessage } from './sink.js';

const dir = mkdtempSync(join(tmpdir(), 'petrel-campaign-test-'));
let files = 0;

/** A file with `text` in a temp dir; its path. */
export function tempFile(name: string, text: string): string {
  const path = join(dir, `${++files}-${name}`);
  writeFileSync(path, text);
  return path;
}

/** `contacts import` of rows (the first row's keys are the header) into `list`, without MX checks. */
export async function importContacts(p: Petrel, list: string, rows: Array<Record<string, string>>): Promise<void> {
  const header = Object.keys(rows[0]!);
  const csv = [header.join(','), ...rows.map((r) => header.map((h) => csvCell(r[h] ?? '')).join(','))].join('\r\n') + '\r\n';
  const r = await p.cli(['contacts', 'import', tempFile(`${list}.csv`, csv), '--list', list, '--no-mx-check', '--json']);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const result = JSON.parse(r.stdout) as { skipped: unknown[] };
  assert.deepEqual(result.skipped, [], r.stdout);
}

const csvCell = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** `campaign create --file` of YAML text; fails the test unless it exits 0. */
export async function createCampaign(p: Petrel, yaml: string): Promise<void> {
  const r = await p.cli(['campaign', 'create', '--file', tempFile('campaign.yaml', yaml)]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
}

export async function campaignCli(p: Petrel, args: string[]): Promise<string> {
  const r = await p.cli(['campaign', ...args]);
  assert.equal(r.code, 0, `petrel campaign ${args.join(' ')}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

export async function status(p: Petrel, name: string): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return JSON.parse(await campaignCli(p, ['status', name, '--json']));
}

/** The campaign's contacts by address: state, step, reason. */
export async function contactStates(p: Petrel, name: string): Promise<Record<string, { state: string; step: number; reason: string | null; identity: string | null }>> {
  const rows = JSON.parse(await campaignCli(p, ['contacts', name, '--json', '--limit', '10000'])) as Array<{ email: string; state: string; step: number; reason: string | null; identity: string | null }>;
  return Object.fromEntries(rows.map((r) => [r.email, r]));
}

/** A header field of a sink dump (first occurrence, unfolded). */
export function header(m: SinkMessage, name: string): string | undefined {
  const head = m.content.split(/\n\n/)[0]!.replace(/\n[ \t]+/g, ' ');
  const re = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im');
  return re.exec(head)?.[1]?.trim();
}

/** The body of a sink dump (after the blank line), quoted-printable soft breaks joined. */
export function body(m: SinkMessage): string {
  const text = m.content.slice(m.content.indexOf('\n\n') + 2);
  return /quoted-printable/i.test(header(m, 'Content-Transfer-Encoding') ?? '') ? text.replace(/=\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))) : text;
}

export const recipientOf = (m: SinkMessage): string | undefined => /<([^>]*)>/.exec(m.rcptArgs[0] ?? '')?.[1];

/** Messages of `all` sent to `address`, oldest first by their Date field. */
export function toContact(all: SinkMessage[], address: string): SinkMessage[] {
  return all.filter((m) => recipientOf(m)?.toLowerCase() === address.toLowerCase()).sort((a, b) => Date.parse(header(a, 'Date') ?? '') - Date.parse(header(b, 'Date') ?? ''));
}
