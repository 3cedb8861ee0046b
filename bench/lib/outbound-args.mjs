// Command-line options of bench/outbound.mjs.

export const CONTENDERS = ['petrel', 'postfix', 'nodemailer', 'petrel-pool'];
/** Without --only: the three of the targets; petrel-pool is asked for by name or --case pool. */
export const DEFAULT_CONTENDERS = ['petrel', 'postfix', 'nodemailer'];

/** --case pool: the baseline Petrel and the pool case back to back, 20,000 x 1 KiB. */
const POOL_CASE = { only: ['petrel', 'petrel-pool'], sizes: [1024], messages: 20_000 };

/** Default messages per drain, by size: the full run stays around five minutes on 2 cores. */
export const DEFAULT_COUNTS = { 1024: 5000, 102400: 2000 };

export const USAGE = `usage: node bench/outbound.mjs [options]     (npm run bench:outbound -- [options])

Queues N messages in each contender with delivery stopped, then starts delivery and
times the drain to postfix's smtp-sink on 127.0.0.1. See bench/README.md.

  --messages N          messages per drain, every size (default ${DEFAULT_COUNTS[1024]} at 1k, ${DEFAULT_COUNTS[102400]} at 100k)
  --sizes LIST          message body sizes, comma-separated, e.g. 1k,100k (default 1k,100k)
  --only LIST           contenders, comma-separated: ${CONTENDERS.join(',')} (default ${DEFAULT_CONTENDERS.join(',')})
  --case pool           sending identities: Petrel as is and Petrel with a pool of identities back to back,
                        20,000 x 1 KiB (= --only petrel,petrel-pool --sizes 1k --messages 20000; those
                        flags, given as well, win), and the overhead of the identity path per message
  --pool-identities N   petrel-pool: relay identities to the sink (default 50)
  --pool-per-destination P
                        petrel-pool: connections per identity (delivery.concurrency.perDestination, default 1);
                        global is --connections, so the pool opens as many connections as the baseline
  --pool-shared-relay   petrel-pool: identities without relay accounts, so all share one destination with
                        --connections connections, as the baseline: the identity path without the layout
  --repeat R            queue and drain R times per contender and size; the median msgs/s counts (default 1)
  --connections C       parallel connections to the sink for every contender, and for the feeder (default 20)
  --dkim MODE           Petrel only: none (default), rsa (RSA 2048) or both (RSA 2048 + Ed25519)
                        DKIM signatures on every message, to measure what signing costs
  --deferred N          Petrel only: first fill its queue with N deferred messages due in 30 days, to show
                        that waiting mail does not slow enqueue or delivery (default 0)
  --drain-timeout S     give up on a drain after S seconds (default 180)
  --stall-timeout S     give up when no message reached the sink for S seconds (default 30)
  --feed-timeout S      give up on a queue phase after S seconds (default 300)
  --no-netns            do not run inside a private network namespace
  --keep                keep the temporary work directory (logs, Postfix spool, Petrel data)
  --json PATH           where to write the JSON result (default bench/results/outbound-<date>.json)
  -h, --help            this text
`;

function parseSize(text) {
  const match = /^(\d+)\s*(k|kib|m|mib)?$/i.exec(text.trim());
  if (!match) throw new Error(`bad size: ${text}`);
  const unit = (match[2] ?? '').toLowerCase();
  const factor = unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 * 1024 : 1;
  const bytes = Number(match[1]) * factor;
  if (bytes < 2 || bytes > 20 * 1024 * 1024) throw new Error(`size out of range (2 B to 20 MiB): ${text}`);
  return bytes;
}

function list(text, parse) {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .map(parse);
}

function positiveInt(text, flag) {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${flag} needs a positive integer`);
  return value;
}

export function parseArgs(argv) {
  const opts = {
    messages: null,
    sizes: [1024, 102400],
    only: [...DEFAULT_CONTENDERS],
    case: null,
    poolIdentities: 50,
    poolPerDestination: 1,
    poolSharedRelay: false,
    repeat: 1,
    connections: 20,
    deferred: 0,
    dkim: 'none',
    drainTimeoutS: 180,
    stallTimeoutS: 30,
    feedTimeoutS: 300,
    netns: true,
    inNetns: false,
    keep: false,
    json: null,
    help: false,
  };
  const given = new Set();
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${flag} needs a value`);
      return argv[++i];
    };
    given.add(flag);
    switch (flag) {
      case '--case': {
        opts.case = value();
        if (opts.case !== 'pool') throw new Error('--case must be pool');
        break;
      }
      case '--pool-identities': opts.poolIdentities = positiveInt(value(), flag); break;
      case '--pool-per-destination': opts.poolPerDestination = positiveInt(value(), flag); break;
      case '--pool-shared-relay': opts.poolSharedRelay = true; break;
      case '--messages': opts.messages = positiveInt(value(), flag); break;
      case '--sizes': opts.sizes = list(value(), parseSize); break;
      case '--only': {
        opts.only = list(value(), (name) => name.toLowerCase());
        const unknown = opts.only.filter((name) => !CONTENDERS.includes(name));
        if (unknown.length) throw new Error(`unknown contender(s): ${unknown.join(', ')}`);
        break;
      }
      case '--repeat': opts.repeat = positiveInt(value(), flag); break;
      case '--connections': opts.connections = positiveInt(value(), flag); break;
      case '--dkim': {
        opts.dkim = value();
        if (!['none', 'rsa', 'both'].includes(opts.dkim)) throw new Error('--dkim must be none, rsa or both');
        break;
      }
      case '--deferred': opts.deferred = Number.parseInt(value(), 10) || 0; break;
      case '--drain-timeout': opts.drainTimeoutS = positiveInt(value(), flag); break;
      case '--stall-timeout': opts.stallTimeoutS = positiveInt(value(), flag); break;
      case '--feed-timeout': opts.feedTimeoutS = positiveInt(value(), flag); break;
      case '--no-netns': opts.netns = false; break;
      case '--in-netns': opts.inNetns = true; break;
      case '--keep': opts.keep = true; break;
      case '--json': opts.json = value(); break;
      case '-h':
      case '--help': opts.help = true; break;
      default: throw new Error(`unknown option: ${flag}`);
    }
  }
  if (opts.case === 'pool') {
    if (!given.has('--only')) opts.only = [...POOL_CASE.only];
    if (!given.has('--sizes')) opts.sizes = [...POOL_CASE.sizes];
    if (!given.has('--messages')) opts.messages = POOL_CASE.messages;
  }
  if (opts.poolIdentities > 1000) throw new Error('--pool-identities: at most 1000');
  if (opts.sizes.length === 0) throw new Error('--sizes needs at least one size');
  if (opts.only.length === 0) throw new Error('--only needs at least one contender');
  return opts;
}

/** Messages per drain for one size: --messages, or the default of the nearest size. */
export function countFor(opts, size) {
  if (opts.messages) return opts.messages;
  return size <= 16 * 1024 ? DEFAULT_COUNTS[1024] : DEFAULT_COUNTS[102400];
}
