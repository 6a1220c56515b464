/**
 * Times the codec of the working tree against the one at a git ref (default HEAD), alternating in one
 * process so both see the same machine: decode of the mixed stream, encode of SEND frames, the 8 MB
 * body. For recording what a codec change gained (bench/RESULTS.md).
 *   node scripts/run-ts.js bench/tools/codec-before-after.ts [--ref <git-ref>] [--rounds 5] [--n 100000]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as current from '../../lib/engine';
import { parseArgs } from '../support/child';
import { bigStream, messageStream, SEND_BODY, sendEntries } from '../support/streams';

const args = parseArgs();
const ref = args.ref ?? 'HEAD';
const rounds = Number(args.rounds ?? 5);
const n = Number(args.n ?? 100_000);
const root = path.resolve(__dirname, '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'codec-ref-'));
for (const file of ['decoder', 'frame', 'versions', 'errors', 'encoder', 'buffer-text']) {
  writeFileSync(path.join(dir, `${file}.ts`), execFileSync('git', ['show', `${ref}:lib/engine/${file}.ts`], { cwd: root }));
}
const reference = { ...require(path.join(dir, 'decoder.ts')), ...require(path.join(dir, 'encoder.ts')), ...require(path.join(dir, 'frame.ts')) } as typeof current;

const mixed = messageStream(n);
const big = bigStream();

function decode(lib: typeof current, chunks: Buffer[]): number {
  let frames = 0;
  const decoder = new lib.FrameDecoder({ onFrame: (f) => (frames += f.header('subscription') === undefined ? 0 : 1), onHeartbeat: () => undefined }, {}, '1.2');
  for (const c of chunks) decoder.push(c);
  return frames;
}

function encode(lib: typeof current, count: number): number {
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const frame = new lib.Frame('SEND', sendEntries(i), Buffer.from(SEND_BODY, 'utf8'));
    for (const b of lib.encodeFrame(frame, '1.2')) bytes += b.length;
  }
  return bytes;
}

const time = (fn: () => unknown): number => {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
};
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const cases: Array<[string, (lib: typeof current) => unknown]> = [
  [`decode ${n} mixed frames`, (lib) => decode(lib, mixed.chunks)],
  [`encode ${n} SEND frames`, (lib) => encode(lib, n)],
  ['decode one 8 MB body', (lib) => decode(lib, big.chunks)],
];
for (const [name, fn] of cases) {
  fn(reference);
  fn(current); // warm-up
  const before: number[] = [];
  const after: number[] = [];
  for (let r = 0; r < rounds; r++) {
    before.push(time(() => fn(reference)));
    after.push(time(() => fn(current)));
  }
  const b = median(before);
  const a = median(after);
  console.log(`${name.padEnd(28)} ${ref}: ${b.toFixed(1).padStart(8)} ms   working tree: ${a.toFixed(1).padStart(8)} ms   ${(b / a).toFixed(2)}x`);
}
