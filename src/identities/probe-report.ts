// A relay probe's report from its transcript: lines grouped into steps, the failing step with its
// reply and fix, and the text the CLI prints. Pure; a failure the transcript does not show still gets a step.
import type { Outcome, Phase } from '../smtp/client/types.js';
import { fixFor, providerOf, type ProbeStepName } from './probe-fixes.js';

export type { ProbeStepName } from './probe-fixes.js';

/** The IMAP login check's steps (imap-probe.ts), reported after the relay's. */
export type ImapStepName = 'imap-connect' | 'imap-login' | 'imap-folders' | 'imap-logout';

/** The relay to probe, as an identity names it. */
export interface ProbeTarget {
  host: string; // a name or an IP literal
  port: number;
  tls: 'starttls' | 'implicit' | 'none';
  /** Verify the certificate chain and name (against Node's roots plus `ca`). */
  verify: boolean;
  /** The name the certificate must carry; default `host` when it is a name (set it when `host` is an IP). */
  servername?: string;
  user?: string;
  password?: string;
  token?: () => Promise<string>;
  mechanisms?: Array<'XOAUTH2' | 'CRAM-MD5' | 'PLAIN' | 'LOGIN'>;
}

/** One step: its reply lines (S) and local events (info), and a fix when it failed. */
export interface ProbeStep {
  step: ProbeStepName | ImapStepName;
  ok: boolean;
  replies: string[];
  fix?: string;
}

export interface TranscriptEntry {
  dir: 'C' | 'S' | 'info';
  text: string;
}

export interface ProbeReport {
  ok: boolean;
  steps: ProbeStep[];
  transcript: TranscriptEntry[];
}

/** Where a session outcome's phase is in the probe. */
const PHASE_STEP: Partial<Record<Phase, ProbeStepName>> = { connect: 'connect', greeting: 'greeting', ehlo: 'ehlo', helo: 'ehlo', starttls: 'starttls', auth: 'auth' };

/** The commands that start a step; other command lines (SASL answers) stay in the current one. */
const COMMAND_STEP: Array<[RegExp, ProbeStepName]> = [
  [/^(EHLO|HELO) /i, 'ehlo'],
  [/^STARTTLS$/i, 'starttls'],
  [/^AUTH /i, 'auth'],
  [/^QUIT$/i, 'quit'],
];

interface Group {
  step: ProbeStepName;
  lines: TranscriptEntry[];
}

/** The client's transcript in steps: connect (info), greeting (the first replies), then one per command. */
export function groupSteps(lines: readonly TranscriptEntry[]): Group[] {
  const groups: Group[] = [];
  const open = (step: ProbeStepName): Group => {
    const g: Group = { step, lines: [] };
    groups.push(g);
    return g;
  };
  let current: Group | undefined;
  for (const line of lines) {
    const command = line.dir === 'C' ? COMMAND_STEP.find(([re]) => re.test(line.text))?.[1] : undefined;
    if (command) current = open(command);
    else if (line.dir === 'S' && (current === undefined || current.step === 'connect')) current = open('greeting');
    else current ??= open('connect');
    current.lines.push(line);
  }
  return groups;
}

const REPLY_LINE = /^([2-5]\d\d)([- ]|$)(.*)$/;
const ENHANCED = /^([245]\.\d{1,3}\.\d{1,3})(\s+|$)/;

/** The last reply among `lines` (a multi-line one joined) when it is a 4xx or 5xx refusal. */
export function lastRefusal(lines: readonly string[]): { code: number; enhanced?: string; text: string } | undefined {
  const last = REPLY_LINE.exec(lines[lines.length - 1] ?? '');
  if (!last || Number(last[1]) < 400) return undefined;
  let first = lines.length - 1;
  while (first > 0 && lines[first - 1]!.startsWith(`${last[1]}-`)) first--;
  const texts = lines.slice(first).map((l) => REPLY_LINE.exec(l)?.[3] ?? '');
  const enhanced = ENHANCED.exec(texts[0] ?? '')?.[1];
  const text = texts.map((t) => (enhanced && t.startsWith(enhanced) ? t.slice(enhanced.length) : t).trim()).join(' ').trim();
  return enhanced ? { code: Number(last[1]), enhanced, text } : { code: Number(last[1]), text };
}

/**
 * The report of a probe: the resolve step, the client's steps (a failed set-up ends with the failing
 * step and its fix; the QUIT the client sends after a failure is not a step), and the transcript.
 */
export function buildReport(target: ProbeTarget, resolve: ProbeStep, client: readonly TranscriptEntry[], failure: Outcome | null): ProbeReport {
  const groups = groupSteps(client);
  const greeting = groups.find((g) => g.step === 'greeting')?.lines.find((l) => l.dir === 'S')?.text ?? '';
  const steps = !resolve.ok ? [resolve] : [resolve, ...(failure ? failedSteps(groups, failure) : groups.map(toStep))];
  const base = { host: target.host, port: target.port, tls: target.tls, provider: providerOf(target.host, greeting), ...(target.servername ? { servername: target.servername } : {}) };
  for (const s of steps) {
    if (s.ok) continue;
    const detail = failure && s.step !== 'resolve' && s.step !== 'quit' ? failure.text : (s.replies.at(-1) ?? '');
    s.fix = fixFor({ ...base, step: s.step as ProbeStepName, reply: lastRefusal(s.replies), detail });
  }
  const resolved: TranscriptEntry[] = resolve.replies.map((text) => ({ dir: 'info', text }));
  return { ok: steps.every((s) => s.ok), steps, transcript: [...resolved, ...client] };
}

/** A step that went through; a QUIT answered with 4xx/5xx is the only way one fails. */
function toStep(g: Group): ProbeStep {
  const replies = g.lines.filter((l) => l.dir !== 'C').map((l) => l.text);
  return { step: g.step, ok: g.step !== 'quit' || lastRefusal(replies) === undefined, replies };
}

function failedSteps(groups: Group[], failure: Outcome): ProbeStep[] {
  const name = PHASE_STEP[failure.phase] ?? 'connect';
  const before = groups.filter((g) => g.step !== 'quit').map(toStep);
  const last = before[before.length - 1];
  const failing = last?.step === name ? before.pop()! : { step: name, ok: false, replies: [] };
  failing.ok = false;
  const endsInRefusal = lastRefusal(failing.replies) !== undefined;
  if (!endsInRefusal && failing.replies[failing.replies.length - 1] !== failure.text) failing.replies.push(failure.text);
  return [...before, failing];
}

const MARK: Record<TranscriptEntry['dir'], string> = { C: 'C:', S: 'S:', info: '* ' };

/**
 * The CLI's view: one line per step, a fix under a failed one, then the transcript if anything failed.
 * @example "ok   ehlo      250-mail.example ...\nFAIL auth      535 5.7.8 Bad credentials\nfix: ..."
 */
export function formatProbeReport(r: ProbeReport): string {
  const width = Math.max(...r.steps.map((s) => s.step.length));
  const out: string[] = [];
  for (const s of r.steps) {
    out.push(`${s.ok ? 'ok  ' : 'FAIL'} ${s.step.padEnd(width)}  ${summary(s)}`);
    if (s.fix) out.push(`fix: ${s.fix}`);
  }
  if (!r.ok) out.push('', 'transcript:', ...r.transcript.map((l) => `  ${MARK[l.dir]} ${l.text}`));
  return `${out.join('\n')}\n`;
}

/** A failed step shows its refusal or our diagnostic; a good one its last reply's first line and its events. */
function summary(s: ProbeStep): string {
  if (!s.ok) {
    const refusal = lastRefusal(s.replies);
    return refusal ? [refusal.code, refusal.enhanced, refusal.text].filter(Boolean).join(' ') : (s.replies.at(-1) ?? '');
  }
  const replies = s.replies.filter((l) => REPLY_LINE.test(l));
  const events = s.replies.filter((l) => !REPLY_LINE.test(l));
  let first = replies.length - 1; // the first line of the last reply: a SASL exchange shows its outcome
  while (first > 0 && replies[first - 1]!.startsWith(`${replies[first]!.slice(0, 3)}-`)) first--;
  const shown = first >= 0 ? [`${replies[first]}${first < replies.length - 1 ? ' ...' : ''}`] : [];
  return [...shown, ...events].join('; ');
}

/** The relay's and the mailbox's reports as one (identity test checks both when there are both). */
export function combineReports(reports: readonly ProbeReport[]): ProbeReport {
  return { ok: reports.every((r) => r.ok), steps: reports.flatMap((r) => r.steps), transcript: reports.flatMap((r) => r.transcript) };
}
