// Command-line options of bench/inbound.mjs and the run matrix they select.

export const SERVER_NAMES = ['petrel', 'smtp-sink', 'smtp-server', 'haraka'];

export const USAGE = `usage: node bench/inbound.mjs [options]     (npm run bench:inbound -- [options])

  --quick               smaller matrix: 20 sessions only, a quarter of the messages
  --only LIST           servers to run, comma-separated: ${SERVER_NAMES.join(',')}
  --sizes LIST          message payload sizes, e.g. 1k,100k (default 1k,100k)
  --sessions LIST       parallel sessions (default 1,20)
  --per-conn LIST       messages per connection (default 1,10)
  --scale F             multiply every message count by F (default 1, 0.25 with --quick)
  --repeat N            run each cell N times and keep the median msgs/s (default 1)
  --idle N              idle connections to hold open per server (default 1000, 0 skips)
  --idle-hold S         seconds to hold them before reading RSS (default 5)
  --cell-timeout S      stop any single load run after S seconds (default 60)
  --haraka-nodes N      Haraka cluster workers (default 2)
  --no-netns            do not run inside a private network namespace
  --keep                keep the temporary work directory (server logs, Petrel data)
  --json PATH           where to write the JSON result (default bench/results/inbound-<date>.json)
  -h, --help            this text
`;

/**
 * Message counts per cell: big enough for a steady rate, small enough to end in
 * seconds. One session is latency-bound, so it gets fewer; with K per connection it
 * also pays an smtp-source restart per K messages.
 */
const BASE_COUNTS = {
  1024: { single: { 1: 2000, k: 1000 }, parallel: 20000 },
  102400: { single: { 1: 500, k: 500 }, parallel: 2000 },
};

function parseSize(text) {
  const match = /^(\d+)\s*(k|kib|m|mib)?$/i.exec(text.trim());
  if (!match) throw new Error(`bad size: ${text}`);
  const unit = (match[2] ?? '').toLowerCase();
  const factor = unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 * 1024 : 1;
  return Number(match[1]) * factor;
}

function parseList(text, parse) {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .map(parse);
}

function positiveInt(text, flag) {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${flag} needs a non-negative integer`);
  return value;
}

export function parseArgs(argv) {
  const opts = {
    quick: false,
    only: [...SERVER_NAMES],
    sizes: null,
    sessions: null,
    perConn: null,
    scale: null,
    repeat: 1,
    idle: 1000,
    idleHoldS: 5,
    cellTimeoutS: 60,
    harakaNodes: 2,
    netns: true,
    inNetns: false,
    keep: false,
    json: null,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${flag} needs a value`);
      return argv[++i];
    };
    switch (flag) {
      case '--quick': opts.quick = true; break;
      case '--only': {
        opts.only = parseList(value(), (name) => name.toLowerCase());
        const unknown = opts.only.filter((name) => !SERVER_NAMES.includes(name));
        if (unknown.length) throw new Error(`unknown server(s): ${unknown.join(', ')}`);
        break;
      }
      case '--sizes': opts.sizes = parseList(value(), parseSize); break;
      case '--sessions': opts.sessions = parseList(value(), (v) => positiveInt(v, flag)); break;
      case '--per-conn': opts.perConn = parseList(value(), (v) => positiveInt(v, flag)); break;
      case '--scale': opts.scale = Number(value()); break;
      case '--repeat': opts.repeat = Math.max(1, positiveInt(value(), flag)); break;
      case '--idle': opts.idle = positiveInt(value(), flag); break;
      case '--idle-hold': opts.idleHoldS = positiveInt(value(), flag); break;
      case '--cell-timeout': opts.cellTimeoutS = Math.max(1, positiveInt(value(), flag)); break;
      case '--haraka-nodes': opts.harakaNodes = Math.max(1, positiveInt(value(), flag)); break;
      case '--no-netns': opts.netns = false; break;
      case '--in-netns': opts.inNetns = true; break;
      case '--keep': opts.keep = true; break;
      case '--json': opts.json = value(); break;
      case '-h':
      case '--help': opts.help = true; break;
      default: throw new Error(`unknown option: ${flag}`);
    }
  }
  if (opts.scale !== null && !(opts.scale > 0)) throw new Error('--scale needs a positive number');
  opts.sizes ??= [1024, 102400];
  opts.sessions ??= opts.quick ? [20] : [1, 20];
  opts.perConn ??= [1, 10];
  opts.scale ??= opts.quick ? 0.25 : 1;
  return opts;
}

/** Messages for one cell: the base table (nearest size and session count), scaled. */
export function messageCount(size, sessions, perConn, scale) {
  const row = BASE_COUNTS[size <= 16 * 1024 ? 1024 : 102400];
  const base = sessions <= 4 ? row.single[perConn > 1 ? 'k' : 1] : row.parallel;
  return Math.max(sessions * Math.max(1, perConn), Math.round(base * scale));
}

/** Every cell of the matrix, in the order they run. */
export function cells(opts) {
  const list = [];
  for (const size of opts.sizes) {
    for (const sessions of opts.sessions) {
      for (const perConn of opts.perConn) {
        list.push({ size, sessions, perConn, count: messageCount(size, sessions, perConn, opts.scale) });
      }
    }
  }
  return list;
}

export function sizeLabel(bytes) {
  if (bytes % (1024 * 1024) === 0) return `${bytes / 1024 / 1024} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} B`;
}
