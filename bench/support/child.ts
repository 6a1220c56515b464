/**
 * Helpers for a benchmark child process: one measurement per process, so the CPU time
 * (process.cpuUsage) and RSS it reports belong to one client only. The harness (bench/run.ts)
 * reads the single `@@RESULT {json}` line a child prints; anything else on stdout/stderr is log.
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';

export const BENCH_DIR = path.resolve(__dirname, '..');
export const ROOT_DIR = path.resolve(BENCH_DIR, '..');

/** `require` rooted in bench/, so peers resolve from bench/node_modules only. */
export const benchRequire = createRequire(path.join(BENCH_DIR, 'package.json'));

export type Args = Record<string, string>;

/** `--key value` pairs (and bare `--flag` → 'true'). */
export function parseArgs(argv: string[] = process.argv.slice(2)): Args {
  const out: Args = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) out[a.slice(2)] = 'true';
    else {
      out[a.slice(2)] = next;
      i++;
    }
  }
  return out;
}

export function num(args: Args, key: string, fallback?: number): number {
  const v = args[key];
  if (v === undefined) {
    if (fallback === undefined) throw new Error(`missing --${key}`);
    return fallback;
  }
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${key} is not a number: ${v}`);
  return n;
}

export function str(args: Args, key: string, fallback?: string): string {
  const v = args[key] ?? fallback;
  if (v === undefined) throw new Error(`missing --${key}`);
  return v;
}

/** Prints the result line the harness reads, then exits (sockets a peer left open must not hold us). */
export function report(result: Record<string, unknown>): never {
  process.stdout.write(`@@RESULT ${JSON.stringify(result)}\n`, () => process.exit(0));
  // exit from the write callback; keep the event loop alive until then
  setTimeout(() => process.exit(0), 2000);
  throw new ReportedExit();
}

/** Thrown by report() so the caller's code stops; main() swallows it. */
export class ReportedExit extends Error {}

/** Runs `fn`, reporting an uncaught failure as `{ error }` (the harness marks the run failed). */
export function main(fn: () => Promise<void>): void {
  const fail = (error: unknown): void => {
    process.stdout.write(`@@RESULT ${JSON.stringify({ error: error instanceof Error ? error.stack ?? error.message : String(error) })}\n`, () => process.exit(1));
  };
  // a peer library throwing from a socket callback fails the run with its message
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  fn().catch((error: unknown) => {
    if (error instanceof ReportedExit) return;
    process.stdout.write(`@@RESULT ${JSON.stringify({ error: error instanceof Error ? error.stack ?? error.message : String(error) })}\n`, () => process.exit(1));
  });
}

/** CPU time (user+sys) since `start`, in microseconds. */
export function cpuSince(start: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(start);
  return u.user + u.system;
}

/** Samples RSS every `everyMs` and keeps the peak; `stop()` returns it in bytes. */
export function rssSampler(everyMs = 5): { peak(): number; stop(): number } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    const rss = process.memoryUsage.rss();
    if (rss > peak) peak = rss;
  }, everyMs);
  return {
    peak: () => peak,
    stop: () => {
      clearInterval(timer);
      const rss = process.memoryUsage.rss();
      return rss > peak ? rss : peak;
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves when `check()` is true; polls every `everyMs`. No deadline: the harness's watchdog is the deadline. */
export async function until(check: () => boolean, everyMs = 2): Promise<void> {
  while (!check()) await sleep(everyMs);
}

/** Rate and latency figures of a request/response run: sorts `latencies` (µs) in place. */
export function latencyFigures(latencies: number[], n: number, seconds: number): Record<string, number> {
  latencies.sort((a, b) => a - b);
  return {
    n,
    seconds,
    reqPerSec: n / seconds,
    p50Us: percentile(latencies, 50),
    p99Us: percentile(latencies, 99),
    meanUs: latencies.reduce((a, b) => a + b, 0) / latencies.length,
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/**
 * With BENCH_CPU_PROF=<file.cpuprofile> in the environment, records a V8 CPU profile of `fn` only
 * (not of the set-up around it), for bench/tools/cpuprofile-top.js. Same format as `node --cpu-prof`.
 * With BENCH_HEAP_PROF=<file.heapprofile>, records V8's sampling heap profile of `fn` instead, garbage
 * included, for bench/tools/heapprofile-top.js.
 * With BENCH_CALLGRIND=1, under `valgrind --tool=callgrind --instr-atstart=no`, counts the
 * instructions of `fn` only: with one request in flight the reads and writes do not depend on
 * timing, so callgrind's total ÷ N is a repeatable cost per round trip.
 */
export async function profiled<T>(fn: () => Promise<T>): Promise<T> {
  if (process.env.BENCH_CALLGRIND) return instrumented(fn);
  const cpuFile = process.env.BENCH_CPU_PROF;
  const heapFile = process.env.BENCH_HEAP_PROF;
  if (cpuFile) {
    return inspected(fn, cpuFile, [['Profiler.enable'], ['Profiler.setSamplingInterval', { interval: 100 }], ['Profiler.start']], 'Profiler.stop');
  }
  if (heapFile) {
    // Objects a scavenge or a mark-compact collected are kept in the profile: a message's garbage is
    // what this is for.
    const sampling = { samplingInterval: 512, includeObjectsCollectedByMinorGC: true, includeObjectsCollectedByMajorGC: true };
    return inspected(fn, heapFile, [['HeapProfiler.enable'], ['HeapProfiler.startSampling', sampling]], 'HeapProfiler.stopSampling');
  }
  return fn();
}

/** Runs `fn` between the inspector calls that start a profiler and `stop`, whose `profile` goes to `file`. */
async function inspected<T>(fn: () => Promise<T>, file: string, start: Array<[string, object?]>, stop: string): Promise<T> {
  const { Session } = await import('node:inspector');
  const { writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object): Promise<any> =>
    new Promise((resolve, reject) => session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))));
  for (const [method, params] of start) await post(method, params);
  try {
    return await fn();
  } finally {
    const { profile } = await post(stop);
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  }
}

async function instrumented<T>(fn: () => Promise<T>): Promise<T> {
  const { execFileSync } = await import('node:child_process');
  const callgrind = (on: boolean): void => void execFileSync('callgrind_control', ['-i', on ? 'on' : 'off', String(process.pid)], { stdio: 'ignore' });
  callgrind(true);
  try {
    return await fn();
  } finally {
    callgrind(false);
  }
}
