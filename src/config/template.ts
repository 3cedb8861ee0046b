// The commented petrel.yaml written by `petrel init`: every setting at its default, with its meaning.
// Pure text; template.test.ts checks it loads cleanly and mirrors the schema's defaults.

export interface TemplateOptions {
  hostname: string;
  /** Absolute data directory, written out so the file works with --config from anywhere. */
  dataDir: string;
}

/** Render the annotated configuration file. */
export function renderConfigTemplate(opts: TemplateOptions): string {
  // JSON strings are valid YAML double-quoted scalars, so odd characters in paths stay safe;
  // replacer functions keep "$" in a path from being read as a replacement pattern.
  return TEMPLATE.replace('@HOSTNAME@', () => JSON.stringify(opts.hostname)).replace('@DATA_DIR@', () =>
    JSON.stringify(opts.dataDir),
  );
}

const TEMPLATE = `# Petrel configuration. Every setting is shown at its default; unknown keys are errors.
# Environment overrides: PETREL_DATA_DIR, PETREL_HOSTNAME, PETREL_LOG_LEVEL.

# Our name in the SMTP greeting, Received headers and the self-signed certificate.
hostname: @HOSTNAME@

# Database (petrel.db), spool, keys and TLS material. --data-dir overrides it;
# a relative path resolves against the working directory.
dataDir: @DATA_DIR@

# Where to listen. role: mx (mail from the internet), submission (STARTTLS + AUTH),
# submissions (implicit TLS, RFC 8314). port 0 lets the OS choose.
#   greetingDelayMs: > 0 waits before the greeting; clients that talk first get 554
#   normalizeBareLf: true accepts bare LF in DATA instead of rejecting the message
# Optional per listener: maxConnections, maxConnectionsPerIp (override the limits below).
listeners:
  - name: mx
    address: 127.0.0.1
    port: 2025
    role: mx
    greetingDelayMs: 0
    normalizeBareLf: false
    # maxConnections: 1000
    # maxConnectionsPerIp: 100
  - name: submission
    address: 127.0.0.1
    port: 2587
    role: submission
    greetingDelayMs: 0
    normalizeBareLf: false
  - name: submissions
    address: 127.0.0.1
    port: 2465
    role: submissions
    greetingDelayMs: 0
    normalizeBareLf: false
  - name: submission-alt
    address: 127.0.0.1
    port: 2525
    role: submission
    greetingDelayMs: 0
    normalizeBareLf: false

tls:
  # PEM files, e.g. [{ cert: /etc/petrel/fullchain.pem, key: /etc/petrel/key.pem }].
  # Empty: a self-signed certificate is generated under <dataDir>/tls.
  certificates: []
  minVersion: TLSv1.2         # TLSv1.2 or TLSv1.3

limits:
  maxLineLength: 2048         # bytes per command line incl. CRLF; longer -> 500 5.5.6
  maxRecipients: 100          # per transaction; more -> 452 4.5.3
  maxMessageSize: 26214400    # bytes, advertised in EHLO SIZE; larger -> 552 5.3.4
  maxErrors: 10               # bad commands per session, then 421 4.7.0 and close
  maxConnections: 1000        # concurrent connections in total; more -> 421 4.7.0
  maxConnectionsPerIp: 100    # concurrent connections per client IP; more -> 421 4.7.0
  commandTimeoutSeconds: 300  # idle time waiting for a command -> 421 4.4.2
  dataTimeoutSeconds: 180     # idle time inside DATA/BDAT -> 421 4.4.2

auth:
  # SASL mechanisms offered (any subset of these five).
  mechanisms: [PLAIN, LOGIN, CRAM-MD5, XOAUTH2, OAUTHBEARER]
  # CRAM-MD5 needs the password itself, so a sealed copy is kept (key in <dataDir>/keys).
  # false: no copy is stored and CRAM-MD5 is not offered.
  cramMd5: true
  maxFailures: 3              # failed attempts per connection, then 421 4.7.0 and close
  failureDelayMs: 1000        # the nth failure waits n * failureDelayMs before the reply
  maxFailuresPerIp: 10        # failures per IP within the window, then AUTH gets 421 4.7.0
  failureWindowSeconds: 600
  # Static bearer tokens for XOAUTH2/OAUTHBEARER, e.g.
  #   - { user: alice@example.com, token: "long-random-string" }
  #   - { user: bob@example.com, tokenEnv: PETREL_TOKEN_BOB }   # read from the environment
  tokens: []

queue:
  memoryBodyLimit: 262144     # bodies up to this many bytes live in SQLite, larger in <dataDir>/spool

dns:
  servers: []                 # "ip" or "ip:port"; empty: the nameservers of /etc/resolv.conf
  timeoutMs: 3000             # per query, then the next server
  attempts: 2                 # rounds over the server list before TIMEOUT
  minTtlSeconds: 0            # cached answers live for their TTL, clamped to these bounds
  maxTtlSeconds: 86400
  cacheSize: 10000            # answers kept in memory

# Outbound delivery (docs/delivery.md): MX routing, retries, DSNs, relays.
delivery:
  enabled: true               # false: mail is queued but not sent
  # helo: mail.example.com    # EHLO name; default: hostname
  # Local addresses to send from, rotated per connection, each with its EHLO name (match its PTR):
  #   - { address: 192.0.2.10, helo: mta1.example.com }
  sources: []
  mxPort: 25                  # only tests and private networks change it
  # Send everything through a relay (Google Workspace, Microsoft 365, an ESP), e.g.
  #   smarthost: { host: smtp.example-esp.com, port: 587, tls: starttls, auth: { user: apikey, passwordEnv: ESP_KEY } }
  # tls: starttls (required) | implicit (465) | opportunistic | none; verify: true checks the certificate.
  # Per-domain routes (like Postfix transport_maps); ".example.com" also covers subdomains:
  #   - { domain: partner.example, host: 192.0.2.25, port: 25, tls: opportunistic, verify: false }
  transports: []
  tls:
    mode: opportunistic       # MX default: none | opportunistic | required | verify
    policies: []              # per domain, e.g. [{ domain: bank.example, mode: verify }]
    caFiles: []               # extra trusted CA files (PEM)
  mtaSts:
    enabled: true             # fetch and enforce MTA-STS (RFC 8461)
    port: 443                 # HTTPS port of mta-sts.<domain>; only tests change it
    fetchTimeoutMs: 10000
  retry:
    minBackoffSeconds: 300    # first retry after about this long, doubling each time
    maxBackoffSeconds: 4000   # never longer between attempts
    jitter: 0.2               # up to this fraction added at random
    maxLifetimeSeconds: 432000  # 5 days, then expired and bounced (4.4.7)
    maxHintSeconds: 86400     # longest "retry in N" hint from a 4xx reply that is honoured
  concurrency:
    global: 100               # outgoing connections in total
    perDestination: 20        # per MX host set or relay
    recipientsPerTransaction: 50
    messagesPerConnection: 100
    readySetSize: 10000       # recipients held in memory ready for delivery
  deadDestinationFailures: 5  # failed connections in a row before a destination pauses...
  deadBackoffSeconds: 300     # ...for this long
  delayWarningSeconds: 14400  # delay DSN after 4 h (NOTIFY=DELAY or no NOTIFY); 0: never
  maxReceivedHeaders: 50      # more means a mail loop: bounced 5.4.6
  # Per-phase client timeouts in seconds, e.g. { connect: 30, data-end: 600 }; unset: RFC 5321 defaults.
  timeouts: {}
  pollIntervalMs: 1000        # how often the scheduler looks for due mail

dkim:
  retireDays: 7               # after 'dkim activate', the old key stays published this long

# HTTPS for https://mta-sts.<domain>/.well-known/mta-sts.txt of every sending domain (certificates:
# the tls section, chosen by SNI). Clients use port 443: bind it, or forward 443 to this port.
mtaStsServer:
  enabled: true
  address: 127.0.0.1
  port: 8443

# What 'petrel domain check' asks: DNS blocklists for the sending IPs and for the domain.
checks:
  ipBlocklists: [zen.spamhaus.org, bl.spamcop.net, b.barracudacentral.org]
  domainBlocklists: [dbl.spamhaus.org, multi.surbl.org, multi.uribl.com]

# Checks of mail arriving on the MX role (docs/configuration.md), recorded in Authentication-Results.
inbound:
  checks: true                # SPF, DKIM, DMARC and ARC; false: no checks and no header
  # authservId: mail.example.com  # our name in Authentication-Results; default: hostname
  rejectDmarc: true           # DMARC fail under p=reject: 550 5.7.1 (quarantine is only marked)
  rejectSpfFail: false        # SPF fail: 550 5.7.1

# Bounces and feedback reports (docs/bounces.md).
bounces:
  returnPath: verp            # verp: signed return path b+TOKEN@domain per message; sender: as submitted
  # domain: bounces.example.com  # VERP domain (a local domain); default: the sender's domain when local
  scanMailboxes: true         # also read DSNs/ARF reports that reach ordinary local mailboxes

# Suppressed recipients (hard bounces, complaints, unsubscribes, by hand; 'petrel suppress').
suppression:
  mode: drop                  # drop: leave them out of the message; refuse: 550 5.7.1 at RCPT

# Signed JSON event webhooks (docs/webhooks.md); endpoints can also be added with 'petrel webhook add'.
webhooks:
  endpoints: []               # e.g. [{ url: https://app.example/hooks, secretEnv: PETREL_HOOK_SECRET, events: [] }]
  batchSize: 100              # events per request, in order
  timeoutMs: 10000
  retryHours: 24              # a batch failing this long is dropped and recorded

# HTTP: the API (/v1, docs/api.md), the dashboard (/), /metrics, /healthz and /readyz.
http:
  enabled: true
  address: 127.0.0.1
  port: 8025
  bodyLimitBytes: 41943040    # 40 MiB: a message with base64 attachments
  # adminPasswordEnv: PETREL_ADMIN_PASSWORD  # dashboard sign-in password (admin API keys work too)
  publicMetrics: true         # /metrics without a key; false: a read key is needed

# Sending identities (petrel identity, docs/sending.md): caps shared by all identities of a domain or
# source IP, pacing jitter, and the reputation rules that pause an identity on their own.
sending:
  timeZone: UTC               # days of domainCaps and sourceCaps (identities have --time-zone)
  jitter: 0.3                 # a minimum gap is stretched by up to 30 % at random
  pausedRecheckSeconds: 3600  # a paused identity's mail is looked at again this often
  domainCaps: []              # e.g. [{ domain: outreach.example, daily: 300, hourly: 60 }]
  sourceCaps: []              # e.g. [{ address: 192.0.2.10, daily: 5000 }]
  reputation:
    checkIntervalSeconds: 60
    hardBounceRate: 0.03      # pause above 3 % hard bounces in 24 h ...
    hardBounceMinSends: 50    # ... over at least 50 sends
    complaintWarnRate: 0.001  # warn above 0.1 % complaints
    complaintPauseRate: 0.003 # pause above 0.3 % (Gmail's bulk-sender line) ...
    complaintMinSends: 0      # ... over any volume
    blocklistIntervalSeconds: 21600  # sending domains and source IPs on the checks.* lists every 6 h; 0: never

# Provider shaping and automation rules (docs/shaping.md): the shipped data/shaping.yaml, or your own.
shaping:
  enabled: true
  # rulesFile: /etc/petrel/shaping.yaml
  # overrides: { providers: [{ name: google, messagesPerMinutePerSource: 20 }] }

# Campaigns (petrel campaign, docs/campaigns.md): the sequencer's engine and its unsubscribe addresses.
campaigns:
  enabled: true
  tickMs: 1000                # look for due steps this often (also woken by inbound mail)
  batch: 200                  # steps queued at most per tick
  # publicUrl: https://mail.example.com   # base of https://HOST/u/TOKEN links (default: the HTTP listener)
  # unsubscribeDomain: mail.example.com   # mailto:unsub+TOKEN@DOMAIN (default: hostname); its MX must be Petrel
  unsubscribeScope: global    # an unsubscribe suppresses for every sending domain (or: domain)

# Mailboxes over IMAP (docs/mailboxes.md): identities added with --imap are watched for replies,
# auto-replies, bounces, warm-up and placement mail.
mailboxes:
  enabled: true
  idle: true                  # IDLE where the server offers it; otherwise poll
  pollSeconds: 60             # without IDLE: look for new mail this often
  junkCheckSeconds: 300       # the Junk folder is checked (STATUS) this often
  connectConcurrency: 8       # logins at once
  maxMessageBytes: 1048576    # a larger message is read up to this
  reconnectMinSeconds: 5      # a broken connection is retried after 5 s, doubling...
  reconnectMaxSeconds: 900    # ...up to 15 min
  authRetryMinutes: 60        # a refused login is retried after this (or when the identity changes)
  autoReplyPauseDays: 3       # an auto-reply without a return date pauses the contact this long

# Warm-up among own mailboxes (docs/warmup-network.md): identities added with --warmup-network.
warmupNetwork:
  enabled: true
  tickSeconds: 60             # look for due warm-up sends this often
  rampShare: 0.5              # while ramping: this share of the day's ramp is warm-up mail
  maintenancePerDay: 5        # after the ramp (or without one): warm-up mail per day
  replyShare: 0.3             # share of received warm-up mail answered in thread
  flagShare: 0.2              # share marked \\Flagged (all are marked \\Seen)
  minInboxRate: 0.8           # 7-day inbox rate below this holds the ramp for the day...
  minPlacements: 10           # ...once this many warm-up messages were placed in 7 days
  header: X-Petrel-Warmup     # the tag header (visible to anyone reading the headers)

# Several nodes (docs/cluster.md): shared state in PostgreSQL; each node keeps its own queue on local disk.
store: {}                         # {}: the embedded SQLite under dataDir. For PostgreSQL, instead:
# store:
#   postgres:
#     urlEnv: PETREL_POSTGRES_URL   # or url: postgres://petrel:secret@db.internal:5432/petrel
#     poolSize: 10
node:
  # name: node-a                  # unique per node; default: the host name
  # apiUrl: http://10.0.0.5:8025  # where other nodes forward message traces (default: http.address:port)
  deadAfterSeconds: 10            # after this without a heartbeat, its mailboxes and webhooks move

log:
  level: info                 # fatal, error, warn, info, debug, trace or silent
`;
