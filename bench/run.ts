/**
 * The benchmark suite: `npm run bench` (see README "Benchmarks" and bench/RESULTS.md).
 *
 *   npm run bench [-- options]
 *     --quick              smoke run in seconds: tiny counts, one repetition (checks the harness, measures nothing)
 *     --only a,b           workloads to run: codec, throughput, nest, memory (default: all)
 *     --reps N             repetitions per cell (default 3; every peer runs once per repetition, A B A B …)
 *     --scale F            multiplies every message count (e.g. 0.2 for a moderate run)
 *     --restart-brokers    restart RabbitMQ and ActiveMQ (scripts/brokers.sh) before each broker workload
 *     --update-results     write the table into bench/RESULTS.md between its markers
 *
 * Every measurement is a child process (its CPU time and RSS are its own) under a watchdog: a run
 * that does not finish in time is killed and reported as incomplete, never averaged in. Queues are
 * named nsbench-<run id>-…; RabbitMQ's are deleted at the end, ActiveMQ's drained when a run stalled.
 * Peers come from bench/node_modules (`npm ci --prefix bench`); nothing is installed here.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { BROKERS, type BrokerName } from './support/endpoints';

const BENCH = __dirname;
const ROOT = path.resolve(BENCH, '..');
const RUN_TS = path.join(ROOT, 'scripts', 'run-ts.js');
const PYTHON = '/usr/bin/python3';

// ------------------------------------------------------------------------------------------ options

interface Options {
  quick: boolean;
  only: Set<string>;
  reps: number;
  scale: number;
  restartBrokers: boolean;
  updateResults: boolean;
}

const WORKLOADS = ['codec', 'throughput', 'nest', 'memory'] as const;

function parseOptions(argv: string[]): Options {
  const options: Options = { quick: false, only: new Set(WORKLOADS), reps: 3, scale: 1, restartBrokers: false, updateResults: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') options.quick = true;
    else if (a === '--restart-brokers') options.restartBrokers = true;
    else if (a === '--update-results') options.updateResults = true;
    else if (a === '--only') {
      const list = (argv[++i] ?? '').split(',').filter(Boolean);
      const unknown = list.filter((w) => !(WORKLOADS as readonly string[]).includes(w));
      if (list.length === 0 || unknown.length > 0) die(`--only takes workloads among ${WORKLOADS.join(', ')}; got ${argv[i] ?? 'nothing'}`);
      options.only = new Set(list);
    } else if (a === '--reps') options.reps = positive(a, argv[++i]);
    else if (a === '--scale') options.scale = positive(a, argv[++i]);
    else if (a === '--help' || a === '-h') {
      process.stdout.write(readFileSync(__filename, 'utf8').split('*/')[0]);
      process.exit(0);
    } else die(`unknown option ${a} (see --help)`);
  }
  if (options.quick && !argv.includes('--reps')) options.reps = 1;
  return options;
}

function positive(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!(n > 0)) die(`${name} needs a positive number, got ${value}`);
  return n;
}

function die(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

// ------------------------------------------------------------------------------------------ cells

/**
 * Messages, events and requests every peer first sends untimed, so that V8's (and the broker's) JIT
 * has warmed up and what is measured is the steady state: without it the first ~1,500 round trips
 * held most of the Node clients' 2–5 ms p99, and through Nest (more functions to optimise) V8 was
 * still compiling them after 2,000 (bench/RESULTS.md).
 */
function warmups(quick: boolean): { throughput: number; emit: number; rpc: number } {
  return { throughput: quick ? 100 : 5_000, emit: quick ? 50 : 5_000, rpc: quick ? 20 : 6_000 };
}

/** ours; a comparison peer; the raw ceiling; a reference that is not a peer (Nest TCP: no broker). */
type Role = 'ours' | 'peer' | 'ceiling' | 'reference';

interface Metric {
  key: string;
  label: string;
  better: 'higher' | 'lower';
}

interface PeerSpec {
  name: string;
  role: Role;
  /** Builds the command for one run; `queue` is a fresh destination name for this run. */
  command(queue: string): { file: string; args: string[]; python?: boolean; nodeFlags?: string[] };
  timeoutMs: number;
  /** Queues (on `broker`) to drain if the run stalls. */
  broker?: BrokerName;
}

interface Cell {
  workload: (typeof WORKLOADS)[number];
  name: string;
  metrics: Metric[];
  peers: PeerSpec[];
}

const M = {
  fps: { key: 'framesPerSec', label: 'frames/s', better: 'higher' },
  mbps: { key: 'mbPerSec', label: 'MB/s', better: 'higher' },
  ms: { key: 'ms', label: 'ms', better: 'lower' },
  mps: { key: 'msgsPerSec', label: 'msgs/s', better: 'higher' },
  cpu: { key: 'cpuUsPerMsg', label: 'CPU µs/msg', better: 'lower' },
  p50: { key: 'p50Us', label: 'p50 µs', better: 'lower' },
  p99: { key: 'p99Us', label: 'p99 µs', better: 'lower' },
  mean: { key: 'meanUs', label: 'mean µs', better: 'lower' },
  rps: { key: 'reqPerSec', label: 'req/s', better: 'higher' },
  rss: { key: 'rssGrowthMb', label: 'RSS growth MB', better: 'lower' },
  slow: { key: 'slowMsgsPerSec', label: 'msgs/s (slow)', better: 'higher' },
} satisfies Record<string, Metric>;

function cells(options: Options): Cell[] {
  const q = options.quick;
  const count = (full: number, quick: number): number => (q ? quick : Math.max(1, Math.round(full * options.scale)));
  const node = (file: string, args: Record<string, string | number>, nodeFlags?: string[]) => ({
    file: path.join(BENCH, 'peers', file),
    args: Object.entries(args).flatMap(([k, v]) => [`--${k}`, String(v)]),
    nodeFlags,
  });
  const py = (args: Record<string, string | number>) => ({
    file: path.join(BENCH, 'peers', 'stomppy_peer.py'),
    args: Object.entries(args).flatMap(([k, v]) => [`--${k}`, String(v)]),
    python: true,
  });
  const out: Cell[] = [];
  const brokers: BrokerName[] = ['rabbitmq', 'activemq'];

  // 3. codec ------------------------------------------------------------------------------------
  const codecN = q ? 2_000 : 100_000; // broker-free and quick: never scaled
  const codecPeer = (name: string, role: Role, op: string, n: number, timeoutMs = 300_000): PeerSpec => ({
    name,
    role,
    timeoutMs: q ? 60_000 : timeoutMs,
    command: () => node('codec.ts', { peer: name, op, n, passes: q ? 1 : 3 }),
  });
  out.push({
    workload: 'codec',
    name: `decode ${codecN} mixed MESSAGE frames, 64 KB chunks`,
    metrics: [M.fps, M.mbps],
    peers: [codecPeer('ours', 'ours', 'decode', codecN), codecPeer('stompjs', 'peer', 'decode', codecN), codecPeer('stompit', 'peer', 'decode', codecN), codecPeer('minimal', 'ceiling', 'decode', codecN)],
  });
  out.push({
    workload: 'codec',
    name: `encode ${codecN} SEND frames (5 headers, 100 B)`,
    metrics: [M.fps, M.mbps],
    peers: [
      codecPeer('ours', 'ours', 'encode', codecN),
      codecPeer('stompjs', 'peer', 'encode', codecN),
      codecPeer('stompjs-bytes', 'peer', 'encode', codecN),
      codecPeer('stompit', 'peer', 'encode', codecN),
      codecPeer('minimal', 'ceiling', 'encode', codecN),
    ],
  });
  out.push({
    workload: 'codec',
    name: 'decode one 8 MB body, 64 KB chunks',
    metrics: [M.ms],
    peers: [codecPeer('ours', 'ours', 'big', 1), codecPeer('stompjs', 'peer', 'big', 1), codecPeer('stompit', 'peer', 'big', 1), codecPeer('minimal', 'ceiling', 'big', 1)],
  });

  // 1. engine throughput --------------------------------------------------------------------------
  const tputN = count(50_000, 500);
  const warm = warmups(q);
  const matrix: Array<[BrokerName, number, string]> = q
    ? [
        ['rabbitmq', 100, 'auto'],
        ['activemq', 10_240, 'client-individual'],
      ]
    : brokers.flatMap((b) => [100, 10_240].flatMap((size) => ['auto', 'client-individual'].map((ack) => [b, size, ack] as [BrokerName, number, string])));
  for (const [broker, size, ack] of matrix) {
    const args = { broker, n: tputN, body: size, ack, prefetch: 1000, warmup: warm.throughput };
    const timeoutMs = q ? 60_000 : 30_000 + tputN * (size > 1000 ? 4 : 1);
    const peer = (name: string, role: Role, kind = name): PeerSpec => ({
      name,
      role,
      broker,
      timeoutMs,
      command: (queue) => (kind === 'stomp.py' ? py({ op: 'throughput', queue, ...args }) : node('throughput.ts', { peer: kind, queue, ...args })),
    });
    out.push({
      workload: 'throughput',
      name: `${broker} ${size >= 1024 ? `${size / 1024} KB` : `${size} B`} ack ${ack}, ${tputN} msgs`,
      metrics: [M.mps, M.cpu],
      peers: [
        peer('raw', 'ceiling'),
        // the same minimal client fed one message at a time: what the broker does for any producer that sends message by message
        peer('raw, a write per message', 'reference', 'raw-each'),
        peer('ours', 'ours'),
        peer('stompjs', 'peer'),
        peer('stompit', 'peer'),
        peer('stomp.py', 'peer'),
      ],
    });
  }

  // 2. the Nest path ------------------------------------------------------------------------------
  const emitN = count(50_000, 500);
  const seqN = count(2_000, 100);
  const concN = count(10_000, 300);
  for (const broker of brokers) {
    const nestPeer = (name: string, transport: string, role: Role, op: string, n: number, concurrency = 1, extra: Record<string, string> = {}): PeerSpec => ({
      name,
      role,
      broker: transport === 'stomp' || transport === 'stomp-ack' ? broker : undefined,
      timeoutMs: q ? 60_000 : 60_000 + n * 2,
      command: (queue) => node('nest.ts', { transport, op, n, concurrency, broker, queue, warmup: op === 'emit' ? warm.emit : warm.rpc, ...extra }),
    });
    out.push({
      workload: 'nest',
      name: `${broker}: emit → @EventPattern, ${emitN} events`,
      metrics: [M.mps, M.cpu],
      peers: [
        { name: 'raw (one-way, ack auto)', role: 'ceiling', broker, timeoutMs: q ? 60_000 : 30_000 + emitN, command: (queue) => node('throughput.ts', { peer: 'raw', broker, queue, n: emitN, body: 100, ack: 'auto', warmup: warm.emit }) },
        // the same client writing the frames ClientStomp.emit writes (a JSON body, content-type): what these messages cost the broker
        { name: "raw, ClientStomp's frames", role: 'reference', broker, timeoutMs: q ? 60_000 : 30_000 + emitN, command: (queue) => node('throughput.ts', { peer: 'raw', broker, queue, n: emitN, body: 100, ack: 'auto', warmup: warm.emit, 'as-event': 'yes' }) },
        nestPeer('ClientStomp→ServerStomp (ack auto)', 'stomp', 'ours', 'emit', emitN),
        nestPeer('ClientStomp→ServerStomp (client-individual, concurrency 1000)', 'stomp-ack', 'ours', 'emit', emitN),
        nestPeer('Nest RMQ (RabbitMQ AMQP)', 'rmq', 'peer', 'emit', emitN),
        nestPeer('Nest TCP (no broker)', 'tcp', 'reference', 'emit', emitN),
      ],
    });
    for (const [concurrency, n, metrics] of [
      [1, seqN, [M.p50, M.p99, M.mean]],
      [100, concN, [M.rps, M.p50, M.p99]],
    ] as Array<[number, number, Metric[]]>) {
      // stompit without TCP_NODELAY pays ~44 ms a round trip: a long warm-up would only cost minutes
      const stomp = (name: string, role: Role, cap = n, warmup = name === 'stompit' ? Math.min(20, warm.rpc) : warm.rpc): PeerSpec => ({
        name: cap < n ? `${name} (${cap} requests)` : name,
        role,
        broker,
        timeoutMs: q ? 60_000 : 60_000 + cap * (name === 'stompit' ? 60 : 3),
        command: (queue) =>
          name === 'stomp.py'
            ? py({ op: 'rpc', broker, queue, n: cap, concurrency, warmup })
            : node('rpc.ts', { peer: name === 'raw' ? 'raw-parse' : name === 'ours (engine)' ? 'ours' : name, broker, queue, n: cap, concurrency, warmup }),
      });
      out.push({
        workload: 'nest',
        name: `${broker}: send → @MessagePattern, ${n} requests, ${concurrency} in flight`,
        metrics,
        peers: [
          stomp('raw', 'ceiling'),
          nestPeer('ClientStomp→ServerStomp', 'stomp', 'ours', 'rpc', n, concurrency),
          // RabbitMQ routes replies to /temp-queue/ (the default) more slowly than to a plain queue, which the peers use
          ...(broker === 'rabbitmq' ? [nestPeer('ClientStomp→ServerStomp (replyTo a plain queue)', 'stomp', 'ours', 'rpc', n, concurrency, { 'reply-to': 'plain' })] : []),
          stomp('ours (engine)', 'ours'),
          stomp('stompjs', 'peer'),
          stomp('stompit-nodelay', 'peer'),
          // without TCP_NODELAY every round trip waits ~44 ms (Nagle + delayed ACK): fewer requests
          stomp('stompit', 'peer', concurrency === 1 ? Math.min(n, q ? 20 : 200) : n),
          stomp('stomp.py', 'peer'),
          nestPeer('Nest RMQ (RabbitMQ AMQP)', 'rmq', 'peer', 'rpc', n, concurrency),
          nestPeer('Nest TCP (no broker)', 'tcp', 'reference', 'rpc', n, concurrency),
        ],
      });
    }
  }

  // 4. memory -------------------------------------------------------------------------------------
  const burstN = count(100_000, 1_000);
  const slowN = count(20_000, 1_000);
  const slowSeconds = q ? 2 : Math.max(4, Math.round(10 * Math.min(1, options.scale * 2)));
  for (const broker of brokers) {
    const burst = (name: string, role: Role): PeerSpec => ({
      name,
      role,
      broker,
      timeoutMs: q ? 60_000 : 30_000 + burstN,
      command: (queue) => node('throughput.ts', { peer: name, broker, queue, n: burstN, body: 100, ack: 'auto' }, ['--expose-gc']),
    });
    out.push({
      workload: 'memory',
      name: `${broker}: peak RSS growth during a ${burstN}-message burst (100 B, ack auto)`,
      metrics: [M.rss, M.mps],
      peers: [burst('raw', 'ceiling'), burst('ours', 'ours'), burst('stompjs', 'peer'), burst('stompit', 'peer')],
    });
    const slow = (name: string, role: Role): PeerSpec => ({
      name: name === 'nest' ? 'ServerStomp (concurrency 1)' : name === 'ours' ? 'ours (engine, prefetch 100)' : `${name} (prefetch 100)`,
      role,
      broker,
      timeoutMs: 90_000 + slowN * 2,
      command: (queue) => node('slow-consumer.ts', { peer: name, broker, queue, n: slowN, seconds: slowSeconds, delay: 1, prefetch: 100 }),
    });
    out.push({
      workload: 'memory',
      name: `${broker}: slow consumer (1 ms per message, ${slowSeconds} s) under a ${slowN}-message backlog`,
      metrics: [M.rss, M.slow],
      peers: [slow('ours', 'ours'), slow('nest', 'ours'), slow('stompjs', 'peer')],
    });
  }
  return out.filter((cell) => options.only.has(cell.workload));
}

// ------------------------------------------------------------------------------------------ running

interface RunResult {
  rep: number;
  ok: boolean;
  incomplete?: string;
  error?: string;
  progress?: string;
  wallMs: number;
  result?: Record<string, number>;
}

let current: { pid: number } | null = null;

function runChild(spec: PeerSpec, queue: string): Promise<Omit<RunResult, 'rep'>> {
  const cmd = spec.command(queue);
  const argv = cmd.python ? [cmd.file, ...cmd.args] : [...(cmd.nodeFlags ?? []), RUN_TS, cmd.file, ...cmd.args];
  const exe = cmd.python ? PYTHON : process.execPath;
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(exe, argv, { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
    current = { pid: child.pid! };
    let stdout = '';
    let stderr = '';
    let progress: string | undefined;
    let killed: string | undefined;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const lines = stdout.split('\n');
      for (const line of lines) if (line.startsWith('@@PROGRESS ')) progress = line.slice(11);
      if (stdout.length > 1 << 20) stdout = stdout.slice(-65536);
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.length > 65536) stderr = stderr.slice(-16384);
    });
    const watchdog = setTimeout(() => {
      killed = `watchdog: no result after ${Math.round(spec.timeoutMs / 1000)} s`;
      killGroup(child.pid!);
    }, spec.timeoutMs);
    child.on('close', (code) => {
      clearTimeout(watchdog);
      current = null;
      const wallMs = Date.now() - started;
      const line = stdout.split('\n').find((l) => l.startsWith('@@RESULT '));
      if (killed) return resolve({ ok: false, incomplete: killed, progress, wallMs });
      if (line === undefined) return resolve({ ok: false, error: `exit ${code} without a result: ${lastLines(stderr)}`, wallMs });
      const result = JSON.parse(line.slice(9)) as Record<string, unknown>;
      if (result.error !== undefined) return resolve({ ok: false, error: String(result.error).split('\n').slice(0, 3).join(' | '), wallMs });
      resolve({ ok: true, result: result as Record<string, number>, wallMs });
    });
  });
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* gone already */
  }
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ').slice(0, 400);
}

// ------------------------------------------------------------------------------------------ brokers

function probeStomp(port: number, login: string, passcode: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let data = '';
    const timer = setTimeout(() => (socket.destroy(), reject(new Error('no CONNECTED within 5 s'))), 5000);
    socket.on('error', (e) => (clearTimeout(timer), reject(e)));
    socket.on('connect', () => socket.write(`CONNECT\naccept-version:1.2\nhost:/\nlogin:${login}\npasscode:${passcode}\n\n\0`));
    socket.on('data', (d) => {
      data += d.toString('latin1');
      if (!data.includes('\0')) return;
      clearTimeout(timer);
      socket.end('DISCONNECT\n\n\0');
      setTimeout(() => socket.destroy(), 200);
      if (!data.startsWith('CONNECTED')) return reject(new Error(data.slice(0, 200)));
      resolve(/\nserver:([^\n]*)/.exec(data)?.[1] ?? 'unknown');
    });
  });
}

function probeTcp(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => (socket.destroy(), resolve()));
    socket.setTimeout(5000, () => (socket.destroy(), reject(new Error('timeout'))));
    socket.on('error', reject);
  });
}

function restartBrokers(): void {
  for (const broker of ['rabbitmq', 'activemq']) {
    process.stdout.write(`bench: restarting ${broker} (--restart-brokers)\n`);
    const r = spawnSync('bash', [path.join(ROOT, 'scripts', 'brokers.sh'), 'restart', broker], { stdio: 'inherit', timeout: 180_000 });
    if (r.status !== 0) die(`scripts/brokers.sh restart ${broker} failed`);
  }
}

/** Deletes this run's RabbitMQ queues (STOMP and AMQP ones alike), as test/support/global-teardown.ts does. */
function deleteRabbitQueues(runId: string): void {
  const erlang =
    'length([rabbit_amqqueue:delete(Q, false, false, <<"nestjs-stomp bench">>) || Q <- rabbit_amqqueue:list(), ' +
    `binary:match(element(4, amqqueue:get_name(Q)), <<"nsbench-${runId}">>) =/= nomatch]).`;
  try {
    const out = execFileSync('rabbitmqctl', ['eval', erlang], { stdio: 'pipe', timeout: 60_000, env: { ...process.env, PATH: `${process.env.PATH}:/usr/sbin:/sbin` } });
    process.stdout.write(`bench: deleted ${out.toString().trim()} RabbitMQ queue(s) of run ${runId}\n`);
  } catch (error) {
    process.stderr.write(`bench: could not delete RabbitMQ queues of run ${runId}: ${(error as Error).message.split('\n')[0]}\n`);
  }
}

// ------------------------------------------------------------------------------------------ stats

interface Stat {
  median: number;
  min: number;
  max: number;
  n: number;
}

function stat(values: number[]): Stat | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], n: values.length };
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return '—';
  const a = Math.abs(x);
  if (a >= 100_000) return `${(x / 1000).toFixed(0)}k`;
  if (a >= 10_000) return `${(x / 1000).toFixed(1)}k`;
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

interface CellReport {
  workload: string;
  cell: string;
  metrics: Metric[];
  peers: Array<{ name: string; role: Role; runs: RunResult[]; stats: Record<string, Stat | null> }>;
  best: Record<string, { peer: string; median: number } | null>;
  ceiling: Record<string, number | null>;
}

function summarize(cell: Cell, runs: Map<string, RunResult[]>): CellReport {
  const peers = cell.peers.map((p) => {
    const ok = (runs.get(p.name) ?? []).filter((r) => r.ok);
    const stats: Record<string, Stat | null> = {};
    for (const m of cell.metrics) stats[m.key] = stat(ok.map((r) => r.result![m.key]).filter((v) => typeof v === 'number' && Number.isFinite(v)));
    return { name: p.name, role: p.role, runs: runs.get(p.name) ?? [], stats };
  });
  const best: CellReport['best'] = {};
  const ceiling: CellReport['ceiling'] = {};
  for (const m of cell.metrics) {
    let b: { peer: string; median: number } | null = null;
    for (const p of peers) {
      const s = p.stats[m.key];
      if (p.role !== 'peer' || s === null) continue;
      if (b === null || (m.better === 'higher' ? s.median > b.median : s.median < b.median)) b = { peer: p.name, median: s.median };
    }
    best[m.key] = b;
    ceiling[m.key] = peers.find((p) => p.role === 'ceiling')?.stats[m.key]?.median ?? null;
  }
  return { workload: cell.workload, cell: cell.name, metrics: cell.metrics, peers, best, ceiling };
}

function table(reports: CellReport[]): string {
  const lines: string[] = [];
  for (const r of reports) {
    lines.push(`#### ${r.workload}: ${r.cell}`, '');
    const head = ['peer'];
    for (const m of r.metrics) head.push(`${m.label} median (min–max)`, '× best peer', '× ceiling');
    head.push('runs');
    lines.push(`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`);
    for (const p of r.peers) {
      const cols = [p.role === 'ours' ? `**${p.name}**` : p.role === 'ceiling' ? `${p.name} *(ceiling)*` : p.role === 'reference' ? `${p.name} *(reference, not a peer)*` : p.name];
      for (const m of r.metrics) {
        const s = p.stats[m.key];
        const b = r.best[m.key];
        const c = r.ceiling[m.key];
        cols.push(s ? `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})` : '—');
        cols.push(s && b ? `${(s.median / b.median).toFixed(2)}` : '—');
        cols.push(s && c ? `${(s.median / c).toFixed(2)}` : '—');
      }
      const ok = p.runs.filter((x) => x.ok).length;
      const bad = p.runs.filter((x) => !x.ok);
      cols.push(`${ok}/${p.runs.length}${bad.length ? ` (${bad.map((x) => (x.incomplete ? `incomplete at ${x.progress ?? 0}` : 'failed')).join(', ')})` : ''}`);
      lines.push(`| ${cols.join(' | ')} |`);
    }
    const bests = r.metrics.map((m) => `${m.label}: ${r.best[m.key]?.peer ?? '—'} (${m.better} is better)`).join('; ');
    lines.push('', `Best peer per metric: ${bests}. Ratios are medians over medians (value ÷ reference).`, '');
  }
  return lines.join('\n');
}

// ------------------------------------------------------------------------------------------ main

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const manifest = JSON.parse(readFileSync(path.join(BENCH, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
  const missing = Object.keys(manifest.devDependencies).filter((p) => !existsSync(path.join(BENCH, 'node_modules', p, 'package.json')));
  if (missing.length > 0) {
    die(`the comparison peers are not installed (${missing.join(', ')} missing from bench/node_modules).\n` + `        Install them once with:  npm ci --prefix bench`);
  }
  const list = cells(options);
  const needsBrokers = list.some((c) => c.workload !== 'codec');
  const machine: Record<string, unknown> = {
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    loadavgAtStart: os.loadavg().map((x) => x.toFixed(2)).join(' '),
  };
  if (needsBrokers) {
    for (const [name, b] of Object.entries(BROKERS)) {
      try {
        machine[name] = await probeStomp(b.port, b.login, b.passcode);
      } catch (error) {
        die(`${name} does not answer a STOMP CONNECT on 127.0.0.1:${b.port} (${(error as Error).message}); start the brokers with: bash scripts/brokers.sh`);
      }
    }
    if (list.some((c) => c.workload === 'nest')) {
      await probeTcp(5672).catch(() => die('RabbitMQ AMQP (127.0.0.1:5672, for the Nest RMQ peer) is not reachable; start the brokers with: bash scripts/brokers.sh'));
    }
    const py = spawnSync(PYTHON, ['-c', 'import stomp; print(".".join(map(str, stomp.__version__)))'], { encoding: 'utf8' });
    if (py.status !== 0) die(`stomp.py is missing (${PYTHON} -c "import stomp" failed); it is Debian's python3-stomp, installed by scripts/brokers.sh`);
    machine['stomp.py'] = py.stdout.trim();
  }
  for (const p of Object.keys(manifest.devDependencies)) {
    machine[p] = (JSON.parse(readFileSync(path.join(BENCH, 'node_modules', p, 'package.json'), 'utf8')) as { version: string }).version;
  }

  const runId = `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-')}-${process.pid}`;
  let cleaned = false;
  const cleanup = (): void => {
    if (cleaned || !needsBrokers) return;
    cleaned = true;
    deleteRabbitQueues(runId);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (current) killGroup(current.pid);
      cleanup();
      process.exit(130);
    });
  }

  process.stdout.write(
    `bench: run ${runId}${options.quick ? ' (--quick: a smoke run, not a measurement)' : ''}; ${list.length} cells, ${options.reps} repetition(s), ` +
      `scale ${options.scale}; machine: ${machine.cores} cores ${machine.cpu}, node ${machine.node}\n`,
  );
  const reports: CellReport[] = [];
  let lastWorkload = '';
  let q = 0;
  for (const cell of list) {
    if (cell.workload !== lastWorkload) {
      lastWorkload = cell.workload;
      if (options.restartBrokers && cell.workload !== 'codec') restartBrokers();
    }
    process.stdout.write(`\n== ${cell.workload}: ${cell.name}\n`);
    const runs = new Map<string, RunResult[]>();
    for (let rep = 1; rep <= options.reps; rep++) {
      // A B A B …: every peer once per repetition, in the same order, so drift hits all alike
      for (const peer of cell.peers) {
        const queue = `nsbench-${runId}-${++q}`;
        const r = await runChild(peer, queue);
        const run: RunResult = { rep, ...r };
        runs.set(peer.name, [...(runs.get(peer.name) ?? []), run]);
        const shown = r.ok ? cell.metrics.map((m) => `${m.label} ${fmt(r.result![m.key])}`).join(', ') : r.incomplete ? `INCOMPLETE (${r.incomplete}; progress ${r.progress ?? 'none'})` : `FAILED: ${r.error}`;
        process.stdout.write(`  [${rep}/${options.reps}] ${peer.name}: ${shown}  (${(r.wallMs / 1000).toFixed(1)} s)\n`);
        if (!r.ok && peer.broker === 'activemq') {
          await runChild({ name: 'drain', role: 'peer', timeoutMs: 30_000, command: () => ({ file: path.join(BENCH, 'peers', 'drain.ts'), args: ['--broker', 'activemq', '--queues', `${queue},${queue}.reply,${queue}.events`] }) }, queue);
        }
      }
    }
    reports.push(summarize(cell, runs));
  }
  cleanup();

  const markdown = table(reports);
  process.stdout.write(`\n${markdown}\n`);
  const resultsDir = path.join(BENCH, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${runId}.json`);
  writeFileSync(file, JSON.stringify({ runId, date: new Date().toISOString(), options: { ...options, only: [...options.only] }, machine, reports }, null, 2));
  process.stdout.write(`bench: results in ${path.relative(ROOT, file)}\n`);
  if (options.updateResults) {
    const resultsMd = path.join(BENCH, 'RESULTS.md');
    const text = readFileSync(resultsMd, 'utf8');
    const start = '<!-- bench:table:start -->';
    const end = '<!-- bench:table:end -->';
    if (!text.includes(start) || !text.includes(end)) die(`bench/RESULTS.md has no ${start} … ${end} markers`);
    const header = `Run ${runId} (${options.quick ? 'quick' : `${options.reps} repetitions, scale ${options.scale}, warm-up ${JSON.stringify(warmups(options.quick))}`}${options.restartBrokers ? ', brokers restarted between workloads' : ''}); machine: ${JSON.stringify(machine)}\n\n`;
    writeFileSync(resultsMd, text.slice(0, text.indexOf(start) + start.length) + '\n' + header + markdown + '\n' + text.slice(text.indexOf(end)));
    process.stdout.write('bench: table written to bench/RESULTS.md\n');
  }
  const incomplete = reports.flatMap((r) => r.peers.flatMap((p) => p.runs.filter((x) => !x.ok).map(() => `${r.cell} / ${p.name}`)));
  if (incomplete.length > 0) process.stdout.write(`bench: ${incomplete.length} run(s) incomplete or failed (not averaged in): ${[...new Set(incomplete)].join('; ')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
