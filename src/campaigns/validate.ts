// A campaign file or API body -> a checked Campaign: the zod schema, then every subject, text and
// html compiled as a template, so a syntax error is found at create time, not at the first send.
// Failures throw CampaignInputError with every issue and its path (steps.1.text: ...).
import { ZodError } from 'zod';
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
    throw new CampaignInputError(error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })));
  }
  const issues = templateIssues(campaign);
  if (issues.length > 0) throw new CampaignInputError(issues);
  return campaign;
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
