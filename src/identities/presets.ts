// Provider presets for sending identities as data: the relay to use, the provider's published hard
// limits (with their sources), and Petrel's conservative per-mailbox defaults. Pure data; nothing fails.

export type PresetName = 'gmail' | 'm365' | 'esp';

export interface Preset {
  name: PresetName;
  /** The relay; absent when the operator must give it (an ESP has many). */
  host?: string;
  port: number;
  tls: 'starttls' | 'implicit';
  /** What the provider enforces per mailbox (sending past them gets the mailbox suspended or mail refused). */
  hardCaps: { daily?: number; hourly?: number; perMinute?: number };
  /** What Petrel sends per mailbox unless told otherwise: cold outreach, far below the hard caps. */
  defaultCaps: { daily: number; hourly?: number; minGapSeconds: number };
  notes: string;
  /** Where the hard caps come from. */
  sources: string[];
}

/**
 * Cold-outreach defaults, the same for every provider: 40 messages a day per mailbox, at least 120 s
 * apart, at most 10 an hour. Hard caps are what gets an account suspended, not what keeps mail out
 * of spam: a new or cold mailbox that jumps to hundreds a day looks like a compromised account to
 * receiving filters, and complaint rates count per sender (Gmail's sender guidelines ask for a
 * reported spam rate below 0.3 %, https://support.google.com/a/answer/81126).
 * A steady trickle spaced like a person typing is what ramps reputation; raise it per identity.
 */
const COLD_OUTREACH = { daily: 40, hourly: 10, minGapSeconds: 120 } as const;

/**
 * @example PRESETS.gmail.host === 'smtp.gmail.com'
 */
export const PRESETS: Readonly<Record<PresetName, Preset>> = {
  gmail: {
    name: 'gmail',
    host: 'smtp.gmail.com',
    port: 587,
    tls: 'starttls',
    hardCaps: { daily: 2000 },
    defaultCaps: { ...COLD_OUTREACH },
    notes:
      'Google Workspace: 2,000 messages a day per user (500 on trial accounts), over a rolling 24 hours; ' +
      'also at most 100 recipients per message over SMTP and 10,000 recipients a day. Past a limit the user ' +
      'cannot send for up to 24 hours. AUTH needs an app password (2-Step Verification on) or XOAUTH2 ' +
      '(scope https://mail.google.com/). Default caps: 40 a day, 10 an hour, 120 s apart, because a ' +
      'cold-outreach mailbox is judged by its pace and complaint rate long before it reaches the hard cap.',
    sources: ['https://support.google.com/a/answer/166852', 'https://support.google.com/mail/answer/185833'],
  },
  m365: {
    name: 'm365',
    host: 'smtp.office365.com',
    port: 587,
    tls: 'starttls',
    hardCaps: { daily: 10_000, perMinute: 30 },
    defaultCaps: { ...COLD_OUTREACH },
    notes:
      'Exchange Online: 10,000 recipients a day per mailbox over a rolling 24 hours (daily counts recipients, ' +
      'not messages: one recipient per message makes them equal) and 30 messages a minute over SMTP client ' +
      'submission; also at most 500 recipients per message by default, and a tenant-wide external recipient ' +
      'limit. SMTP AUTH (Authenticated SMTP) must be enabled for the mailbox, or use OAuth (XOAUTH2, scope ' +
      'https://outlook.office.com/SMTP.Send). Default caps: 40 a day, 10 an hour, 120 s apart, for the ' +
      'same reason as gmail: reputation, not the hard cap, limits a cold mailbox.',
    sources: [
      'https://learn.microsoft.com/office365/servicedescriptions/exchange-online-service-description/exchange-online-limits#sending-limits-1',
      'https://learn.microsoft.com/en-us/answers/questions/2258712/what-is-the-maximum-number-of-emails-that-can-be-s',
      'https://learn.microsoft.com/en-us/exchange/clients-and-mobile-in-exchange-online/authenticated-client-smtp-submission',
    ],
  },
  esp: {
    name: 'esp',
    port: 587,
    tls: 'starttls',
    hardCaps: {},
    defaultCaps: { ...COLD_OUTREACH },
    notes:
      "An email service provider's SMTP relay (Amazon SES, Postmark, Mailgun, SendGrid, ...): give its host; " +
      'its limits are per account and plan, so there are no hard caps here (set them from your plan). ' +
      'Default caps: 40 a day, 10 an hour, 120 s apart per mailbox, for cold outreach; most ESPs forbid ' +
      'unsolicited mail outright, so check their terms before raising them.',
    sources: [],
  },
};
