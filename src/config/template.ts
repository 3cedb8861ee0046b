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

log:
  level: info                 # fatal, error, warn, info, debug, trace or silent
`;
