// A campaign file or API body -> a checked Campaign: the zod schema, then every subject, text and
// html compiled as a template, so a syntax error is found at create time, not at the first send.
// Failures throw CampaignInputError with every issue and its path (steps.1.text: ...).
import { ZodError, type core } from 'zod';
import { parseCampaign, type Campaign } from './definition.js';
import { compileTemplate, TemplateError } from './template.js';

export interface InputIssue {
  path: string;
  message: string;
}

export class CampaignInputError extends Error {
  override name = 'CampaignInputError';
  constructor(readonly issues: InputIssue[]) {
    super(issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; '));
  }
}

export function validateCampaign(input: unknown): Campaign {
  let campaign: Campaign;
  try {
    campaign = parseCampaign(input);
  } catch (error) {
    if (!(error instanceof ZodError)) throw error;
    throw new CampaignInputError(error.issues.flatMap((i) => inputIssues(i, [])));
  }
  const issues = templateIssues(campaign);
  if (issues.length > 0) throw new CampaignInputError(issues);
  return campaign;
}

/**
 * One zod issue as input issues. A failed union (schedule: 'always' or a window; tracking; an hour as
 * a number or HH:MM) is one "Invalid input" in zod: report the option that came closest instead, so
 * the path names the field (schedule.start: HH:MM ...).
 */
function inputIssues(issue: core.$ZodIssue, base: readonly PropertyKey[]): InputIssue[] {
  const path = [...base, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const best = issue.errors.reduce((a, b) => (closeness(b) > closeness(a) ? b : a));
    if (best.length > 0) return best.flatMap((i) => inputIssues(i, path));
  }
  return [{ path: path.map(String).join('.'), message: issue.message }];
}

/** How far an option of a union got: deeper paths first, then a wrong value over a wrong type. */
function closeness(issues: readonly core.$ZodIssue[]): number {
  const depth = Math.max(0, ...issues.map((i) => i.path.length + (i.code === 'invalid_union' ? 1 : 0)));
  return depth * 2 + (issues.every((i) => i.code === 'invalid_type' || i.code === 'invalid_value') ? 0 : 1);
}

function templateIssues(c: Campaign): InputIssue[] {
  const issues: InputIssue[] = [];
  const check = (path: string, source: string | undefined) => {
    if (source === undefined) return;
    try {
      compileTemplate(source);
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      issues.push({ path, message: error.message });
    }
  };
  c.steps.forEach((s, i) => {
    for (const key of ['subject', 'text', 'html'] as const) check(`steps.${i}.${key}`, s[key]);
    s.variants?.forEach((v, j) => {
      for (const key of ['subject', 'text', 'html'] as const) check(`steps.${i}.variants.${j}.${key}`, v[key]);
    });
  });
  return issues;
}
