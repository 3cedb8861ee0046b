// Reason from the words of a reply or diagnostic: an ordered list of patterns, first match wins. The
// order matters where texts overlap: a full mailbox or a blocklist listing is named more reliably than
// a missing user, and reputation wording must beat "user unknown"-looking codes (never suppress a good
// address because our IP was blocked). Patterns are our own, informed by sisimai's reason classes.

/** Joins alternatives into one case-insensitive pattern; `g` is a bounded gap so long texts stay linear. */
const any = (...alts: string[]): RegExp => new RegExp(alts.join('|'), 'i');
const g = (n = 40): string => `[^\\n]{0,${n}}?`;

/** [reason, pattern], tried in order. Texts are lower-cased with whitespace collapsed before matching. */
export const TEXT_RULES: ReadonlyArray<readonly [string, RegExp]> = [
  // Specific phrases that would otherwise be caught by a broader rule further down.
  ['securityerror', any('turn on smtp authentication', 'must issue a starttls', 'unauthenticated senders? not allowed')],
  ['hostunknown', any('the account or domain may not exist', 'could not be delivered because the domain')],
  ['notcompliantrfc', any('not rfc ?5322 compliant', 'rfcmessagenoncompliant', 'multiple (?:addresses|mailboxes) in from', 'multiple (?:from|subject|date|to|message-id) (?:headers|fields)', 'duplicate header', 'does not comply with rfc ?5322')],
  ['authfailure', any('does not have authentication information', 'fails to pass authentication', '(?:spf|dkim|dmarc) sender invalid')],
  ['norelaying', any('email address is not verified')],
  ['notaccept', any('null mx', "doesn't receive email according to", 'accepts no mail')],
  ['failedstarttls', any('does not support tls', 'does not offer starttls', 'refused starttls', 'starttls (?:failed|negotiation failed|handshake failed)')],
  ['policyviolation', any('content presents a potential', 'host network not allowed', 'anti-spoofing policy', 'due to local policy')],
  ['blocked', any('not authori[sz]ed to send (?:e-?mail|mail) directly to our servers')],
  ['virusdetected', any('mcspamsignature')],
  ['hostunknown', any('dns lookup failure: host \\S+ not found')],
  ['networkerror', any('host name lookup failure', 'dns error', 'network error on destination', 'malformed or unexpected name server reply', 'mail loop detected')],
  ['mailboxfull', any(
    'mailbox (?:is )?full', 'full mailbox', 'mailbox[^.]{0,30}(?:exceeded|over) (?:its |the )?(?:quota|storage|disk|size|local limit)',
    'over (?:the )?(?:allowed )?quota', '(?:quota|storage allocation) (?:exceeded|usage exceeded|violation)', 'exceed(?:ed|ing|s) (?:their |its |the )?(?:mailbox |disk |storage |mail )?quota',
    'disk ?quota', 'insufficient (?:disk|storage) space', 'not (?:enough|sufficient) (?:disk |storage )?space', 'no space left',
    'mail(?:box|folder|drop) (?:size limit exceeded|is full)', 'maildir over quota', 'user(?:disk|domaindisk)? quota', 'exceeded the local limit',
    'has too many messages', 'too much mail data', 'space has been used up', 'boite du destinataire pleine',
    'is over (?:disk )?quota', 'mailbox exceeds allowed size', 'over ?quota', 'mailbox would exceed', 'reached (?:disk )?quota', 'out of storage space',
  )],
  ['mesgtoobig', any(
    'message (?:size|length) exceeds (?:fixed|maximum|the|administrative)', 'message (?:file )?too (?:big|large for)', 'max(?:imum)? (?:message|email) size exceeded',
    'exceeded maximum inbound message size', 'message is larger than', 'message size (?:of \\d+ )?(?:bytes )?exceeds', 'size limit(?! exceeded for mailbox)',
    'line limit exceeded', 'taille limite du message', 'message exceeds (?:the )?(?:maximum|size)', 'message too large',
  )],
  ['exceedlimit', any('message header size exceeds', 'header (?:section )?too (?:large|long)', 'recipsizelimit')],
  ['suspend', any(
    '(?:account|mailbox|user|address)[^.]{0,40}(?:is |has been )?(?:temporarily )?(?:suspended|disabled|deactivated|frozen|locked|terminated)\\b',
    '(?:inactive|disabled|suspended|deactivated) (?:account|mailbox|user)', 'invalid/inactive user', 'archived recipient', 'boite du destinataire archivee',
    'recipient suspend the service', 'temporarily inactive', 'user suspended', 'is currently suspended', 'temporary locked', 'mailbox is inactive', 'user not active',
  )],
  ['hasmoved', any(' has been replaced by ', 'mailbox has moved', 'address has (?:moved|changed)', 'no forwarding address')],
  ['norelaying', any(
    'relay(?:ing)? (?:access )?(?:denied|not (?:permitted|allowed))', 'no relaying', 'not permitted to relay', 'unable to relay', 'open relay',
    'not allowed to relay', 'not configured to relay', 'insecure mail relay', 'relaying mail to .{0,80} is not allowed', 'as a relay',
    "(?:domain isn't|domain is not) in my list of allowed rcpthosts", 'we do not relay', "we don't handle mail for", 'not a gateway',
  )],
  ['authfailure', any(
    '\\bspf\\b' + g() + '(?:fail|error|violation|not (?:pass|authori[sz]ed)|softfail|check|invalid)', 'sender policy framework', '\\bdmarc\\b' + g() + '(?:policy|fail|reject|quarantine|check)',
    '\\bdkim\\b' + g() + '(?:fail|invalid|not (?:pass|valid)|signature)', 'not pass (?:either )?(?:spf|dkim|dmarc)', 'unauthenticated email',
    'authentication (?:checks|results)?' + g(20) + '(?:spf|dkim|dmarc)', 'per its? spf record', 'is not allowed to send (?:mail )?from <', 'bad spf records',
    'sender is not authori[sz]ed by', 'arc (?:validation|check) fail', '//spf\\.pobox\\.com',
  )],
  ['requireptr', any(
    '\\bptr\\b', 'reverse (?:dns|lookup|hostname)', '\\brdns\\b', 'cannot find your hostname', 'ip name lookup failed', 'no reverse', 'generic dns',
    'forward dns entry does not point', 'unresolvable relay host', 'mismatches client ip', 'unverif(?:y|i)able sending ip', 'dns lookup failure:' + g(60) + 'try again later',
  )],
  ['badreputation', any('poor (?:email |ip )?reputation', 'reputation (?:score|problems)', 'low reputation', 'bad reputation', 'rate limited due to ip reputation', 'ip reputation - \\(reject\\)')],
  ['toomanyconn', any(
    'too many (?:concurrent )?(?:smtp )?(?:connections|sessions)', 'connection (?:rate )?limit', 'maximum connection', 'trop de connexions', 'too many errors from your ip',
    '(?:ip|domain|sender|connection) frequency limited',
  )],
  ['speeding', any(
    'rate limit(?:ed|ing)?', 'try again slower', 'sending rate', 'too many (?:messages|emails|mails)', 'at a rate that prevents', 'throttl', 'exceeded the max emails per',
    'message rate', 'deferred due to volume', 'sent to too many recipients', 'receivingrateperm',
  )],
  ['toomanyconn', any('too many recipients')],
  ['spamdetected', any('blacklisted url', 'uribl', 'surbl', 'url (?:in|within) (?:the )?(?:body|message)[^.]{0,40}(?:listed|blocklist|blacklist)')],
  ['blocked', any(
    'spamhaus', 'spamcop', 'barracuda(?:central)?', 'sorbs', 'blocked using', '(?<!not )listed (?:in|on|at) ', 'black ?list', 'block ?list(?:ed)?', '\\bdnsbl\\b', '\\brbl\\b', 'abuseat\\.org',
    'banned sending ip', 'sending ip[^.]{0,40}(?:banned|blocked|listed)', 'ip (?:address )?[^ ]{0,40} (?:is |has been )?(?:blocked|banned)', 'your (?:ip|network|host)[^.]{0,40}(?:blocked|banned)',
    'not currently accepting mail from your ip', 'dynamic ip', 'dynamic/zombied', 'ip (?:address )?(?:is )?(?:on|in) (?:a|our) ', 'part of their network', 'refused to talk to me',
    'rejected due to (?:the )?(?:sending mta|your ip)', 'bad ip profile', 'suspiciously like spammer', 'too many (?:spams|unwanted messages)', 'ip .{0,40} listed as abusive',
    '\\btss0\\d\\b', 'temporarily deferred due to (?:unexpected volume or )?user complaints', 'your ip has been', 'access denied - invalid ip', '\\bs3150\\b', '5\\.7\\.606',
    'client host[^.]{0,60}blocked', 'bad sender ip', 'sender ip address rejected', 'rejecting open proxy', 'suspected (?:spam ip|bounce attack)',
    'please use the smtp server of your isp', 'connections? (?:not accepted|refused|denied) from', 'you are not allowed to connect', 'abus detecte', '\\(bl\\)$',
  )],
  ['spamdetected', any(
    '\\bspam\\b', 'unsolicited', 'bulk (?:e-?mail|mail|advertising)', 'spam-?like', 'spamassassin', 'content filter', 'message content (?:rejected|denied)', 'mail content denied',
    'rejecting (?:banned|mail) content', 'unacceptable content', 'recurrent pattern detection', 'antispam', 'anti-spam',
    'spam ?score', 'mail rejete\\. mail rejected\\.' + g(40) + '506', 'message (?:was )?rejected for policy reasons', 'triggered a (?:spam )?(?:block|filter)', 'blocked by our (?:content )?filter',
  )],
  ['virusdetected', any('\\bvirus', 'malware', 'infected', 'malicious (?:content|attachment|code)', 'trojan', 'worm detected', 'banned attachment', 'executable attachment')],
  ['rejected', any(
    'sender (?:address |email address |domain )?(?:rejected|denied|was rejected|not pre-approved|is spammer|is in my black list|verify failed)', 'domain of sender address',
    'sender (?:address |mail )?domain (?:must exist|not found|is empty|does not exist|unknown)', 'invalid sender', 'unroutable sender', 'bogus mail from', 'empty envelope senders', 'null sender is not allowed',
    'mail from (?:not owned|rejected)', 'batv', 'backscatter', 'no third-party dsns', 'unsigned dsn', 'not a registered gateway user',
  )],
  ['hostunknown', any('(?:recipient |destination |mail )?domain (?:does not exist|not found|name not found|is not reachable)', 'no such domain', 'unknown domain')],
  ['userunknown', any(
    'user ?unknown', 'unknown (?:user|recipient|mailbox|local ?part|e-?mail address|address)', 'no such (?:user|mailbox|recipient|person|address|account)', 'address (?:unknown|invalid|not present|not found)',
    '(?:mailbox|recipient|user|address|account|e-?mail address)' + g(80) + "(?:does not exist|doesn't exist|not exists?|not found|is not valid|could not be found|couldn't be found|not known)",
    'invalid (?:recipient|mailbox|address|user)', 'not a (?:valid|known) (?:recipient|user|mailbox)', 'is not a known user', 'no mailbox (?:here|found|by that name|available)',
    'recipient (?:not found|address rejected: (?:access denied|invalid|unknown|user))', 'user (?:not found|not exist|missing home directory)', 'not listed in (?:the )?(?:domino directory|public name)',
    "this user doesn't have a", 'account that you tried to reach does not exist', 'recip(?:ient)?notfound', 'recipient ?not ?found', 'not our customer', 'no account by that name',
    'there is no one at this address', 'this address no longer accepts mail', 'no longer (?:valid|in use|available)', 'bad (?:destination )?(?:mailbox|recipient|address)', 'badrcptto', 'validrcptto',
    'mailbox (?:unavailable|not present|invalid|is unavailable)', 'destination addresses were unknown', 'utilisateur inconnu', 'adresse (?:d au moins un destinataire )?invalide',
    "name is not found", 'no existe', 'nessun utente', 'unrouteable local part', "can't accept user", 'is not an active address', 'invalid or unknown virtual user', 'not a local address',
    'envelope recipient (?:has been denied|is in my)', 'no valid recipients', '#5\\.1\\.[01] address rejected',
  )],
  ['filtered', any(
    'recipient (?:is )?only accept', 'refused due to recipient preferences', 'notauthorized', 'user refuses', 'user reject', 'blocked by the recipient', 'refuse to receive',
    'has restricted', 'is not accepting (?:any )?mail', 'rejected due to user rules', 'this account is protected', 'bounced address', 'recipient (?:has )?(?:blocked|rejected) (?:you|your|the sender)',
    'not authori[sz]ed to (?:send|email|post)', 'message filtered', 'extended inactivity',
  )],
  ['rejected', any(
    'email address is not verified', 'administrative prohibition', 'emetteur invalide', 'fully qualified (?:e-?mail )?address required', 'not allowed to post to this',
    "isn't on the recipient's list of senders", 'senderfilterconfig', 'does not accept mail from', 'your access to submit messages', 'delivery not authorized, message refused',
    'access denied \\(in reply to mail from', 'sender address has been blacklisted', 'please provide a valid from', 'all recipient addresses rejected',
  )],
  ['hostunknown', any(
    'host (?:or domain name )?(?:not found|unknown|unreachable)', 'unknown host', 'domain (?:does not exist|not found|is not reachable|must exist|name not found)', 'no such domain',
    'unknown domain', 'name or service not known', 'unrout(?:e)?able address', 'mail domain mentioned', 'no mx (?:record|host)', 'nxdomain', 'host \\S+ not found',
    'mx records? (?:for|of)' + g(60) + '(?:not found|do(?:es)? not exist|invalid)', '(?<![@\\w.-])(?:[a-z0-9-]+\\.)+[a-z]{2,} does not exist', 'no route to (?:the )?domain',
  )],
  ['notaccept', any("couldn't find a mail exchanger", 'not accepting (?:network )?messages', 'no smtp service', 'mail is not accepted', 'inbounds disabled')],
  ['expired', any(
    'retry (?:timeout|time) (?:exceeded|expired)', 'delivery time expired', 'message expired', 'envelope expired', 'expired after', 'too long in (?:the )?queue', 'been (?:in|on) (?:the )?queue too long',
    '(?:could not be|was not) delivered (?:for|within) ', 'could not deliver for (?:the last )?\\d+', 'undeliverable for \\d+ ', 'unable to deliver (?:this message )?(?:in|after) \\d+', 'delivery expired', 'message timed out',
    'exceeded (?:the )?(?:maximum )?(?:queue|retry|delivery) (?:time|lifetime|period)', 'still undelivered after', 'did not accept our requests to connect', 'failing for a long time', 'delivery failed \\d+ attempts', 'past (?:the )?expiration',
  )],
  ['blocked', any(
    'was blocked by', 'blocked - see', 'refused - see', 'go away', 'connection (?:refused by|dropped|was dropped)', 'esmtp not accepting connections',
    'you are sending spam', 'confirm this mail server', 'server requires confirmation', 'no access from mail server', 'helo command rejected', 'client host rejected',
    'error from remote mail server after initial connection', '\\bblocked\\b', 'service refused, please try later',
  )],
  ['rejected', any('access denied')],
  ['policyviolation', any(
    'polic(?:y|ies) (?:violation|reasons|restriction)', 'violat(?:es|ion of) (?:our|the) ', 'acceptable use', 'prohibited', 'not permitted by policy', 'policy rejection', 'rejected by policy',
    'content presents a potential', 'anti-spoofing policy',
  )],
  ['failedstarttls', any('starttls (?:failed|negotiation|handshake)', 'tls (?:negotiation|handshake) failed', 'could not negotiate tls', 'tls connection failed', 'does not offer starttls', 'refused starttls')],
  ['securityerror', any(
    'tls (?:is )?required', 'requiretls', 'encryption (?:is )?required', 'mta-sts', '\\bdane\\b', 'certificate', 'authentication (?:is )?required',
    'authentication (?:credentials invalid|failed|mechanism)', 'must authenticate', 'not authenticated', 'unauthenticated', 'submission requires', 'security polic',
  )],
  ['systemfull', any('(?:mail )?system (?:is )?full', 'system congestion', 'out of (?:disk|storage)', 'insufficient system storage')],
  ['networkerror', any(
    'connection (?:timed out|refused|closed|lost|reset)', 'timed? ?out', 'network (?:is )?unreachable', 'no route to host', 'could not connect', 'unable to connect',
    'lost connection', 'routing loop', 'mail loop', 'loops back to myself', 'too many hops', 'hop count exceeded', 'dns (?:servfail|lookup)', 'temporary (?:dns|lookup) failure',
    'bad connection', 'unable to route', 'socket error', 'no mx host of', 'host not reachable',
  )],
  ['contenterror', any('header (?:error|is invalid|syntax)', 'invalid (?:header|mime|message)', 'media (?:not supported|error)', 'conversion (?:required|failed)', 'non-ascii addresses', 'smtputf8', 'does not support 8-?bit', '8-?bit (?:data|characters?) (?:not|is not)', 'illegal (?:character|header)', 'content error')],
  ['syntaxerror', any(
    'syntax error', 'command (?:not recognized|unrecognized)', 'unrecognized command', 'bad sequence of commands', 'improper sequence', 'line too long',
    'parameters? (?:not recognized|not implemented|invalid)', 'command not implemented', 'bad address syntax',
  )],
  ['systemerror', any(
    'system (?:error|problem|failure)', 'internal (?:server )?error', 'local (?:error|configuration error|problem)', 'temporary (?:local )?(?:failure|problem|error)', 'server (?:error|failure)',
    'service (?:is )?(?:temporarily |currently )?(?:unavailable|not available)', 'resources? (?:temporarily )?unavailable', 'misconfigur', 'try again later', 'error in processing',
    'directory server failure', 'duplicated message-id', 'unable to (?:deliver|process)', 'i/o error', 'transaction failed', 'could not load', 'write error',
  )],
  ['mailererror', any('x-unix;', 'mailer (?:error|failed)', 'command (?:died|failed|output)', 'exit (?:code|status)', 'pipe to ', 'procmail', 'permission denied', 'unknown mailer error')],
  ['vacation', any('out of (?:the )?office', 'on vacation', 'on holiday', 'away from (?:the office|my desk|my email)', 'auto-?reply', 'automatic reply', 'autoreply', 'i am away', 'currently away', 'abwesenheit')],
];

/** The first reason whose pattern matches the (normalized) text, or ''. */
export function reasonFromText(text: string): string {
  for (const [reason, re] of TEXT_RULES) if (re.test(text)) return reason;
  return '';
}

/** Lower case, whitespace collapsed, capped: the form the rules expect. */
export function normalize(text: string): string {
  return text.slice(0, 8192).toLowerCase().replace(CONTINUATION, ' ').replace(/\s+/g, ' ').trim();
}

/** Reply codes repeated inside a multi-line reply ("550-5.7.1 ... 550 5.7.1 ..."): they split phrases. */
const CONTINUATION = /(?<=\s)[245]\d\d[ -](?:[245]\.\d{1,3}\.\d{1,3} )?|\b[245]\d\d-(?:[245]\.\d{1,3}\.\d{1,3} )?/g;
