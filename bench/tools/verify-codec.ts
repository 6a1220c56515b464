/**
 * Differential check of the codec against an earlier version of it (default: git HEAD), for
 * performance work on lib/engine/{decoder,frame,versions,encoder}.ts:
 *   node scripts/run-ts.js bench/tools/verify-codec.ts [--ref <git-ref>] [--cases 20000]
 * Mutated streams (the unit fuzz's corpus and mutator) in random chunkings must give the same
 * frames, heart-beats and errors as the reference, and every decoded frame must answer header()
 * for each of its names (and a few absent ones) as its entries say. Encoding of the corpus frames
 * must give the same bytes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as current from '../../lib/engine';
import { decodeChunks, prng, randomChunks } from '../../test/vectors/bytes';
import { ERROR_VECTORS } from '../../test/vectors/errors';
import { FRAME_VECTORS } from '../../test/vectors/frames';
import { int, mutate, pick } from '../../test/vectors/mutate';
import { parseArgs } from '../support/child';
import { messageStream } from '../support/streams';

const args = parseArgs();
const ref = args.ref ?? 'HEAD';
const cases = Number(args.cases ?? 20000);
const root = path.resolve(__dirname, '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'codec-ref-'));
for (const file of ['decoder', 'frame', 'versions', 'errors', 'encoder']) {
  writeFileSync(path.join(dir, `${file}.ts`), execFileSync('git', ['show', `${ref}:lib/engine/${file}.ts`], { cwd: root }));
}
/* eslint-disable @typescript-eslint/no-var-requires */
const reference = {
  ...require(path.join(dir, 'decoder.ts')),
  ...require(path.join(dir, 'encoder.ts')),
  ...require(path.join(dir, 'frame.ts')),
  ...require(path.join(dir, 'errors.ts')),
};

type Outcome = { events: Array<'heartbeat' | { frame: { command: string; entries: Array<[string, string]>; body: Buffer } }>; thrown?: unknown };

function decodeWith(lib: typeof current, chunks: Buffer[], version: current.StompVersion, limits: current.DecoderLimits, lazyCheck: string[]): Outcome {
  const events: Outcome['events'] = [];
  const decoder = new lib.FrameDecoder(
    {
      onFrame: (f: current.Frame) => {
        // header() first, on the still unparsed frame; then entries decide what it should have said
        const asked = new Map<string, string | undefined>();
        const names = ['destination', 'subscription', 'content-length', 'message-id', 'ack', 'absent', 'x', ''];
        for (const name of names) asked.set(name, f.header(name));
        const entries = f.entries.map(([k, v]) => [k, v] as [string, string]);
        for (const [k] of entries) if (!asked.has(k)) asked.set(k, undefined);
        for (const [name, got] of asked) {
          const want = entries.find(([k]) => k === name)?.[1];
          const again = f.header(name);
          if (names.includes(name) && got !== want) lazyCheck.push(`header(${JSON.stringify(name)}) = ${JSON.stringify(got)}, entries say ${JSON.stringify(want)}`);
          if (again !== want) lazyCheck.push(`header(${JSON.stringify(name)}) after entries = ${JSON.stringify(again)}, entries say ${JSON.stringify(want)}`);
        }
        events.push({ frame: { command: f.command, entries, body: Buffer.from(f.body) } });
      },
      onHeartbeat: () => events.push('heartbeat'),
    },
    limits,
    version,
  );
  try {
    for (const chunk of chunks) decoder.push(chunk);
  } catch (thrown) {
    return { events, thrown };
  }
  return { events };
}

/** Frames, heart-beats and the error (by name, code, limit, message: the reference's classes are its own). */
function fingerprint(outcome: Outcome): string {
  const parts = outcome.events.map((e) => (e === 'heartbeat' ? 'HB' : JSON.stringify([e.frame.command, e.frame.entries, e.frame.body.toString('hex')])));
  if (outcome.thrown !== undefined) {
    const e = outcome.thrown as { name?: string; code?: string; limit?: number; message?: string };
    parts.push(JSON.stringify({ name: e.name, code: e.code, limit: e.limit, message: e.message }));
  }
  return parts.join('\n');
}

const random = prng(0x0bec_0001);
const realistic = Buffer.concat(messageStream(3).chunks); // ActiveMQ-style MESSAGE frames with escaped ids
const corpus = [...FRAME_VECTORS.map((v) => v.bytes), ...ERROR_VECTORS.map((v) => v.bytes), realistic, Buffer.from(realistic.toString('latin1').replace(/\n/g, '\r\n'), 'latin1')];
let failures = 0;
const problems: string[] = [];
for (let n = 0; n < cases && failures < 5; n++) {
  const parts = Array.from({ length: 1 + int(random, 3) }, () => pick(random, corpus));
  const input = n % 4 === 0 ? Buffer.concat(parts) : mutate(Buffer.concat(parts), random);
  const version = pick(random, current.STOMP_VERSIONS);
  const limits = random() < 0.6 ? {} : { maxHeaderBytes: 8 + int(random, 200), maxHeaders: int(random, 8), maxBodyBytes: int(random, 300) };
  const chunks = randomChunks(input, random, pick(random, [1, 2, 5, 16, 64, 512, 4096]));
  const lazy: string[] = [];
  const mine = decodeWith(current, chunks, version, limits, lazy);
  const theirs = decodeWith(reference, [input], version, limits, []);
  const a = fingerprint(mine);
  const b = fingerprint(theirs);
  if (a !== b || lazy.length > 0) {
    failures++;
    problems.push(JSON.stringify({ n, version, limits, input: input.toString('hex'), current: a.slice(0, 400), reference: b.slice(0, 400), lazy: lazy.slice(0, 3) }));
  }
}
// Encoding: the corpus frames that decode cleanly, re-encoded by both.
let encoded = 0;
for (const bytes of FRAME_VECTORS.map((v) => v.bytes)) {
  for (const version of current.STOMP_VERSIONS) {
    const out = decodeChunks([bytes], version);
    for (const e of out.events) {
      if (e === 'heartbeat') continue;
      for (const options of [{}, { autoContentLength: false }]) {
        let x: string;
        let y: string;
        try {
          x = Buffer.concat(current.encodeFrame(new current.Frame(e.frame.command, e.frame.entries, e.frame.body), version, options)).toString('hex');
        } catch (error) {
          x = `throws ${(error as Error).message}`;
        }
        try {
          y = Buffer.concat(reference.encodeFrame(new reference.Frame(e.frame.command, e.frame.entries, e.frame.body), version, options)).toString('hex');
        } catch (error) {
          y = `throws ${(error as Error).message}`;
        }
        encoded++;
        if (x !== y) {
          failures++;
          problems.push(JSON.stringify({ encode: e.frame.command, version, options, current: x, reference: y }));
        }
      }
    }
  }
}
// Encoding of random header lists drawn from a small pool (so the same strings come back at the same
// positions, as the encoder's memo of plain strings expects) with escapes, non-ASCII, NUL and CR.
const pool = ['destination', '/queue/a', 'a:b', 'x\\y', 'line\nbreak', 'cr\rhere', 'nul\0', 'ü', '日本', '', 'content-length', '12', 'true', 'id', 'c-1', 'c-2'];
for (let n = 0; n < cases; n++) {
  const entries: Array<[string, string]> = Array.from({ length: int(random, 6) }, () => [pick(random, pool), pick(random, pool)]);
  const version = pick(random, current.STOMP_VERSIONS);
  const command = pick(random, ['SEND', 'SEND', 'MESSAGE', 'CONNECT', 'ACK', 'NACK']);
  // Text bodies (ASCII, UTF-8 under and over the inline limit, a lone surrogate) and bytes.
  const body = pick<string | Buffer>(random, ['', 'hello', 'a\0b', 'x'.repeat(20000), 'ü 日本', 'é'.repeat(1000), 'é'.repeat(2000), 'lone \ud800', Buffer.from('by\0tes')]);
  const options = pick(random, [{}, { autoContentLength: false }]);
  const run = (lib: typeof current): string => {
    try {
      return Buffer.concat(lib.encodeFrame(new lib.Frame(command, entries, body), version, options)).toString('hex');
    } catch (error) {
      return `throws ${(error as Error).message}`;
    }
  };
  const x = run(current);
  const y = run(reference);
  encoded++;
  if (x !== y && failures++ < 5) problems.push(JSON.stringify({ encode: command, version, options, entries, current: x.slice(0, 300), reference: y.slice(0, 300) }));
}

if (failures > 0) {
  console.error(problems.join('\n'));
  console.error(`verify-codec: ${failures} difference(s) from ${ref}`);
  process.exit(1);
}
console.log(`verify-codec: ${cases} streams decoded and ${encoded} frames encoded the same as ${ref}; header() agrees with entries`);
