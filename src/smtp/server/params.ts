// Validation of MAIL and RCPT parameters (RFC 1870 SIZE, 6152 BODY, 3030 BINARYMIME, 6531 SMTPUTF8,
// 3461 DSN, 4954 AUTH=). Returns the values, or the reply owed for the first bad parameter.

import type { Params } from '../wire/command.js';
import type { Reply } from '../wire/reply.js';
import { decodeXtext } from '../wire/xtext.js';
import { R } from './replies.js';
import type { Transaction } from './session-types.js';

export type MailParams = Pick<Transaction, 'body' | 'smtputf8' | 'ret' | 'envid' | 'declaredSize'>;
export type RcptParams = { notify?: string[]; orcpt?: string };
type Result<T> = { ok: true; value: T } | { ok: false; reply: Reply };

const bad = <T>(reply: Reply): Result<T> => ({ ok: false, reply });

export function mailParams(params: Params): Result<MailParams> {
  const out: MailParams = { body: '7BIT', smtputf8: false };
  const seen = new Set<string>();
  for (const [key, value] of params) {
    if (seen.has(key)) return bad(R.duplicateParameter);
    seen.add(key);
    const problem = applyMailParam(out, key, value);
    if (problem) return bad(problem);
  }
  return { ok: true, value: out };
}

function applyMailParam(out: MailParams, key: string, value: string | true): Reply | null {
  const v = value === true ? null : value;
  switch (key) {
    case 'SIZE':
      if (v === null || !/^\d{1,15}$/.test(v)) return R.badParameter;
      out.declaredSize = Number(v);
      return null;
    case 'BODY': {
      const body = v?.toUpperCase();
      if (body !== '7BIT' && body !== '8BITMIME' && body !== 'BINARYMIME') return R.badParameter;
      out.body = body;
      return null;
    }
    case 'SMTPUTF8':
      out.smtputf8 = true;
      return v === null ? null : R.badParameter;
    case 'RET':
      if (v?.toUpperCase() !== 'FULL' && v?.toUpperCase() !== 'HDRS') return R.badParameter;
      out.ret = v.toUpperCase() as 'FULL' | 'HDRS';
      return null;
    case 'ENVID': {
      const id = v === null ? null : decodeXtext(v);
      if (id === null || id.length > 100) return R.badParameter;
      out.envid = id;
      return null;
    }
    case 'AUTH': // RFC 4954 §5: accepted and, as we trust no upstream, not propagated.
      return v !== null && (v === '<>' || decodeXtext(v) !== null) ? null : R.badParameter;
    default:
      return R.unknownParameter;
  }
}

const NOTIFY = new Set(['SUCCESS', 'FAILURE', 'DELAY']);

export function rcptParams(params: Params): Result<RcptParams> {
  const out: RcptParams = {};
  const seen = new Set<string>();
  for (const [key, value] of params) {
    if (seen.has(key)) return bad(R.duplicateParameter);
    seen.add(key);
    if (key === 'NOTIFY') {
      const notify = value === true ? null : parseNotify(value);
      if (notify === null) return bad(R.badParameter);
      out.notify = notify;
    } else if (key === 'ORCPT') {
      const orcpt = value === true ? null : parseOrcpt(value);
      if (orcpt === null) return bad(R.badParameter);
      out.orcpt = orcpt;
    } else {
      return bad(R.unknownParameter);
    }
  }
  return { ok: true, value: out };
}

/** "NEVER" alone, or a set of SUCCESS, FAILURE, DELAY (RFC 3461 §4.1). */
function parseNotify(v: string): string[] | null {
  const items = v.toUpperCase().split(',');
  if (items.length === 1 && items[0] === 'NEVER') return items;
  return items.every((i) => NOTIFY.has(i)) && new Set(items).size === items.length ? items : null;
}

/** addr-type ";" xtext (RFC 3461 §4.2), kept decoded as "type;address". */
function parseOrcpt(v: string): string | null {
  const semi = v.indexOf(';');
  if (semi <= 0 || !/^[A-Za-z0-9-]+$/.test(v.slice(0, semi))) return null;
  const address = decodeXtext(v.slice(semi + 1));
  return address === null || address === '' ? null : `${v.slice(0, semi).toLowerCase()};${address}`;
}
