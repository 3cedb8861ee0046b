// Provider error codes that name a reason outright: Orange/Wanadoo's "[NNN]" codes, Spectrum's and
// Cox's "AUP#" codes, GoDaddy's "IBnnn" codes, KDDI's address-less "User unknown". Providers document these tables on their postmaster
// pages; a code beats our reading of the free text around it. Checked before the generic patterns.

/** Orange (France PTT) codes as in "OFR004_505 [505]" or "LPN007_630". */
const ORANGE: Readonly<Record<string, string>> = {
  '101': 'blocked', '102': 'blocked', '103': 'blocked', '104': 'toomanyconn', '305': 'securityerror',
  '401': 'authfailure', '402': 'securityerror', '403': 'rejected', '405': 'rejected', '415': 'rejected',
  '416': 'userunknown', '417': 'mailboxfull', '418': 'userunknown', '420': 'suspend', '421': 'rejected', '426': 'suspend',
  '505': 'systemerror', '506': 'spamdetected', '510': 'blocked', '514': 'mesgtoobig', '517': 'authfailure',
  '630': 'policyviolation', '999': 'blocked',
};

/** GoDaddy inbound codes "IBnnn". */
const GODADDY: Readonly<Record<string, string>> = {
  '007': 'toomanyconn', '101': 'speeding', '103': 'badreputation', '104': 'blocked', '105': 'blocked', '106': 'blocked',
  '108': 'requireptr', '110': 'blocked', '111': 'blocked', '112': 'blocked', '113': 'blocked', '212': 'spamdetected',
  '401': 'securityerror', '501': 'notcompliantrfc', '502': 'notcompliantrfc', '504': 'speeding', '506': 'rejected',
  '508': 'authfailure', '510': 'speeding', '605': 'toomanyconn', '607': 'speeding', '705': 'virusdetected',
};

/** Cox "AUP#" mnemonics; the IPBL/URLBL families are blocklist hits on the IP or on a URL in the body. */
const COX: Readonly<Record<string, string>> = {
  cdrbl: 'blocked', cxbl: 'blocked', cxcnct: 'toomanyconn', cxdns: 'requireptr', cxmj: 'securityerror',
  cxmxrt: 'toomanyconn', cxsmtp: 'rejected', cxsndr: 'authfailure', cxthrt: 'securityerror',
};

/** Spectrum "AUP#xx-1234" numeric ranges, [from, to, reason]. */
const SPECTRUM: ReadonlyArray<readonly [number, number, string]> = [
  [1000, 1000, 'blocked'], [1010, 1080, 'rejected'], [1090, 1090, 'systemerror'], [1100, 1150, 'requireptr'],
  [1160, 1190, 'policyviolation'], [1200, 1250, 'blocked'], [1260, 1260, 'networkerror'], [1300, 1340, 'toomanyconn'],
  [1350, 1490, 'speeding'], [1500, 1520, 'rejected'], [1530, 1530, 'mesgtoobig'], [1540, 1550, 'speeding'],
  [1560, 1560, 'policyviolation'], [1580, 1580, 'speeding'],
];

const ORANGE_RE = /\b(?:ofr|lpn|ouk|ofe)[a-z]{0,3}\d{0,3}_(\d{3})\b/;
const GODADDY_RE = /\bib(\d{3})\b/;
const COX_RE = /aup#(cdrbl|cxbl|cxcnct|cxdns|cxmj|cxmxrt|cxsmtp|cxsndr|cxthrt|ipbl\d{3,5}|urlbl\d{3,4})\b/;
const SPECTRUM_RE = /aup#[a-z-]{0,8}?(\d{4})\b/;

/**
 * KDDI (au, ezweb.ne.jp) answers "550 <addr>: User unknown" for a missing mailbox but "550 : User
 * unknown", with the address slot empty, when the recipient's own reception filter refused the sender.
 */
const KDDI_FILTERED = /(?:^|\s)550 : user unknown\b/;

/** The reason a provider's own code names in the (lower-cased) text, or ''. */
export function reasonFromProviderCode(text: string): string {
  if (KDDI_FILTERED.test(text)) return 'filtered';
  if (!/\b(?:ofr|lpn|ouk|ofe|ib\d|aup#)/.test(text)) return ''; // cheap gate: most texts have none
  const orange = ORANGE_RE.exec(text)?.[1];
  if (orange && ORANGE[orange]) return ORANGE[orange]!;
  const cox = COX_RE.exec(text)?.[1];
  if (cox) return cox.startsWith('ipbl') ? 'blocked' : cox.startsWith('urlbl') ? 'spamdetected' : COX[cox]!;
  const spectrum = Number(SPECTRUM_RE.exec(text)?.[1] ?? 0);
  const range = SPECTRUM.find(([from, to]) => spectrum >= from && spectrum <= to);
  if (range) return range[2];
  const godaddy = GODADDY_RE.exec(text)?.[1];
  return godaddy ? (GODADDY[godaddy] ?? '') : '';
}
