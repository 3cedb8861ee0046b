// Reads RFC 3464 / RFC 6533 delivery-status fields: per-message Reporting-MTA, then one group per
// recipient (Final-Recipient or Original-Recipient, Action, Status, Diagnostic-Code, Remote-MTA).
// Works on a message/delivery-status part or on text that carries the same fields (a mislabelled part).

import { cleanAddress, parseFields, type Field } from './fields.js';
import { findStatus, lastReplyCode, lastStatus } from './codes.js';
import { draft, type Draft } from './recipient.js';

const MAX_GROUPS = 1000;
const RECIPIENT_FIELDS = new Set(['final-recipient', 'original-recipient', 'x-actual-recipient']);

/** Whether text carries per-recipient delivery-status fields. */
export function hasStatusFields(text: string): boolean {
  return /^(final|original)-recipient:/im.test(text.slice(0, 256 * 1024));
}

/** The recipient drafts of a delivery-status text, in report order. */
export function parseDeliveryStatus(text: string): Draft[] {
  const blocks = text.split(/\r?\n[ \t]*\r?\n/).slice(0, 1000);
  const groups = blocks.flatMap((block) => recipientGroups(parseFields(block)));
  return groups.slice(0, MAX_GROUPS).map(toDraft).filter((d): d is Draft => d !== null);
}

/**
 * Splits a block into recipient groups. A block with one recipient is one group, whatever the field
 * order; otherwise a recipient field starts a new group when the current one has it already.
 */
function recipientGroups(fields: readonly Field[]): Field[][] {
  const finals = fields.filter((f) => f.name === 'final-recipient').length;
  const originals = fields.filter((f) => f.name === 'original-recipient').length;
  if (Math.max(finals, originals) === 1) return [[...fields]];
  const groups: Field[][] = [];
  let current: Field[] | null = null;
  for (const f of fields) {
    if (RECIPIENT_FIELDS.has(f.name)) {
      if (current === null || current.some((g) => g.name === f.name)) {
        current = [];
        groups.push(current);
      }
    }
    current?.push(f);
  }
  return groups;
}

function value(group: readonly Field[], name: string): string {
  return group.find((f) => f.name === name)?.value ?? '';
}

function toDraft(group: Field[]): Draft | null {
  const address = cleanAddress(value(group, 'final-recipient')) || cleanAddress(value(group, 'original-recipient'))
    || cleanAddress(value(group, 'x-actual-recipient'));
  if (address === '') return null;
  const diag = stripType(value(group, 'diagnostic-code'));
  const field = findStatus(value(group, 'status'));
  const remote = lastStatus(diag);
  return draft(address, {
    action: value(group, 'action').toLowerCase().split(/[\s(;]/)[0] ?? '',
    // The remote server's own code beats the reporter's Status field (often generic or guessed).
    status: remote !== '' && (field === '' || remote[0] === field[0]) ? remote : field,
    replyCode: lastReplyCode(diag),
    diagnostic: diag,
    remoteMta: stripType(value(group, 'remote-mta')),
  });
}

/** Drops the `smtp;` / `dns;` / `X-Postfix;` type prefix of a typed DSN value. */
function stripType(v: string): string {
  return v.replace(/^[\w-]{1,20}\s*;\s*/, '').trim();
}
