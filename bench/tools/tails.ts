/**
 * Where do a Node client's p99 round trips go? Sequential request/response (as bench/peers/rpc.ts)
 * with every garbage collection and the event loop's delay recorded, so the slowest round trips can
 * be matched with what overlapped them, and where in the run the slow ones fall.
 *   node [--max-semi-space-size=N] scripts/run-ts.js bench/tools/tails.ts --peer ours --broker activemq --n 2000 [--warmup 100] [--split]
 * (--split: the responder runs in a second process; --warmup: round trips before the measured ones)
 * --peer nest: ClientStomp.send → @MessagePattern through a Nest microservice in this process (as
 * bench/peers/nest.ts), to compare the Nest path's tail with the engine's at the same warm-up.
 * --segments (peers ours and nest): also where the median round trip's time goes, from timestamps
 * taken as the connections write and read each SEND and MESSAGE: the requester's way out (call to
 * SEND written), the broker's two hops (written to read, kernel included), the responder (request
 * read to reply written) and the requester's way back (reply read to the awaited result).
 */
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern, Payload, type ClientProxy } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { StompConnection } from '../../lib/engine/connection';
import type { Frame } from '../../lib/engine/frame';
import { ClientStomp, ServerStomp } from '../../lib/nest';
import { connectPeer, type Endpoint, type StompPeer } from '../peers/clients';
import { parseArgs, percentile } from '../support/child';
import { endpointOf } from '../support/endpoints';

/** One request and its reply, awaited; and how to let go of what it uses. */
interface RoundTrips {
  trip: (i: number) => Promise<void>;
  close: () => Promise<void>;
}

/** ClientStomp → ServerStomp in this process, the handler echoing its payload. */
async function nestRoundTrips(endpoint: Endpoint, destination: string): Promise<RoundTrips> {
  @Controller()
  class EchoController {
    @MessagePattern(destination, { ack: 'auto' })
    echo(@Payload() data: { i: number }): { i: number } {
      return data;
    }
  }
  @Module({ controllers: [EchoController] })
  class EchoModule {}
  const credentials = { hosts: [[endpoint.host, endpoint.port]] as [[string, number]], login: endpoint.login, passcode: endpoint.passcode, vhost: endpoint.vhost };
  const app = await NestFactory.createMicroservice(EchoModule, { strategy: new ServerStomp(credentials), logger: ['error', 'warn'] });
  await app.listen();
  const client = new ClientStomp(credentials) as unknown as ClientProxy;
  await client.connect();
  return {
    trip: async (i) => {
      await lastValueFrom(client.send(destination, { i }));
    },
    close: async () => {
      await client.close();
      await app.close();
    },
  };
}

/** Answers each request on its `reply-to` with its `correlation-id`. */
async function answer(kind: string, endpoint: Endpoint, queueName: string): Promise<StompPeer> {
  const responder = await connectPeer(kind, endpoint);
  await responder.subscribe(queueName, 'req', 'auto', {}, (m) => {
    void responder.send(responder.header(m, 'reply-to')!, Buffer.from(responder.bodyText(m)), { 'correlation-id': responder.header(m, 'correlation-id')! });
  });
  return responder;
}

/** A STOMP peer's requester; its responder in this process, or with `split` in a child process. */
async function stompRoundTrips(kind: string, endpoint: Endpoint, broker: string, queueName: string, split: boolean): Promise<RoundTrips> {
  // --split: the responder in a process of its own, as it would be in production
  let child: ChildProcess | undefined;
  let responder: StompPeer | undefined;
  if (split) {
    child = spawn(process.execPath, [...process.execArgv, path.join(__dirname, '..', '..', 'scripts', 'run-ts.js'), __filename, '--role', 'responder', '--peer', kind, '--broker', broker, '--queue', queueName.slice(7)], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child!.stdout!.once('data', () => resolve()));
  } else {
    responder = await answer(kind, endpoint, queueName);
  }
  const requester = await connectPeer(kind, endpoint);
  let wake: (() => void) | null = null;
  await requester.subscribe(`${queueName}.reply`, 'rep', 'auto', {}, () => wake?.());
  return {
    trip: async (i) => {
      const replied = new Promise<void>((resolve) => (wake = resolve));
      await requester.send(queueName, Buffer.from(`{"i":${i}}`), { 'reply-to': `${queueName}.reply`, 'correlation-id': `c-${i}` });
      await replied;
    },
    close: async () => {
      await Promise.all([requester.close(), responder?.close()]);
      child?.kill();
    },
  };
}

/** When the last request and reply were written and read, by `performance.now()`. */
interface Marks {
  requestWritten: number;
  requestRead: number;
  replyWritten: number;
  replyRead: number;
}

/**
 * Has every StompConnection of this process note when it writes a SEND and reads a MESSAGE; one
 * with `reply-to` is a request, one without a reply. One round trip at a time, so the last marks
 * belong to the round trip that just ended.
 */
function markFrames(): Marks {
  const marks: Marks = { requestWritten: 0, requestRead: 0, replyWritten: 0, replyRead: 0 };
  const proto = StompConnection.prototype as unknown as { writeFrame(frame: Frame): boolean; onMessageFrame(frame: Frame): void };
  const writeFrame = proto.writeFrame;
  proto.writeFrame = function (this: unknown, frame: Frame): boolean {
    const now = performance.now();
    if (frame.command === 'SEND') marks[frame.header('reply-to') === undefined ? 'replyWritten' : 'requestWritten'] = now;
    return writeFrame.call(this, frame);
  };
  const onMessageFrame = proto.onMessageFrame;
  proto.onMessageFrame = function (this: unknown, frame: Frame): void {
    marks[frame.header('reply-to') === undefined ? 'replyRead' : 'requestRead'] = performance.now();
    onMessageFrame.call(this, frame);
  };
  return marks;
}

/** Medians, in µs, of each part of the round trips. */
function segmentMedians(parts: Record<string, number[]>): Record<string, number> {
  return Object.fromEntries(Object.entries(parts).map(([name, values]) => [name, Math.round(percentile(values.sort((a, b) => a - b), 50) * 10) / 10]));
}

async function run(): Promise<void> {
  const args = parseArgs();
  const kind = args.peer ?? 'ours';
  const broker = args.broker ?? 'activemq';
  const endpoint = endpointOf(broker);
  const n = Number(args.n ?? 2000);
  const warmup = Number(args.warmup ?? 100);
  const queueName = `/queue/${args.queue ?? `nsbench-tails-${process.pid}`}`;
  if (args.role === 'responder') {
    await answer(kind, endpoint, queueName);
    process.stdout.write('ready\n');
    return;
  }
  if (kind === 'nest' && args.split) throw new Error('--split is for STOMP peers: the Nest server runs in this process');
  if (args.segments && (args.split || (kind !== 'nest' && kind !== 'ours'))) throw new Error('--segments needs both ends in this process on our connections: --peer ours or nest, no --split');
  const marks = args.segments ? markFrames() : undefined;
  const parts: Record<string, number[]> = { requesterOut: [], brokerToResponder: [], responder: [], brokerToRequester: [], requesterIn: [] };
  const roundTrips = kind === 'nest' ? await nestRoundTrips(endpoint, queueName) : await stompRoundTrips(kind, endpoint, broker, queueName, Boolean(args.split));

  const gcs: Array<{ start: number; end: number; kind: number }> = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries() as Array<PerformanceEntry & { detail?: { kind: number } }>) gcs.push({ start: e.startTime, end: e.startTime + e.duration, kind: e.detail?.kind ?? 0 });
  });
  observer.observe({ entryTypes: ['gc'] });
  const loop = monitorEventLoopDelay({ resolution: 1 });
  const trips: Array<{ start: number; end: number }> = [];
  for (let i = 0; i < n + warmup; i++) {
    if (i === warmup) {
      gcs.length = 0;
      loop.enable();
    }
    const start = performance.now();
    await roundTrips.trip(i);
    const end = performance.now();
    if (i < warmup) continue;
    trips.push({ start, end });
    if (marks !== undefined) {
      const us = (from: number, to: number): number => (to - from) * 1000;
      parts.requesterOut.push(us(start, marks.requestWritten));
      parts.brokerToResponder.push(us(marks.requestWritten, marks.requestRead));
      parts.responder.push(us(marks.requestRead, marks.replyWritten));
      parts.brokerToRequester.push(us(marks.replyWritten, marks.replyRead));
      parts.requesterIn.push(us(marks.replyRead, end));
    }
  }
  loop.disable();
  observer.disconnect();
  const us = trips.map((t) => (t.end - t.start) * 1000).sort((a, b) => a - b);
  const p99 = percentile(us, 99);
  const slow = trips.filter((t) => (t.end - t.start) * 1000 >= p99);
  const withGc = slow.filter((t) => gcs.some((g) => g.start < t.end && g.end > t.start));
  const gcMs = gcs.map((g) => g.end - g.start).sort((a, b) => a - b);
  // round trips over 1 ms in each tenth of the measured run: a JIT warming up shows as a front-loaded count
  const overMsPerTenth = Array.from({ length: 10 }, (_, tenth) =>
    trips.slice(Math.floor((tenth * n) / 10), Math.floor(((tenth + 1) * n) / 10)).filter((t) => t.end - t.start > 1).length,
  );
  console.log(
    JSON.stringify({
      peer: kind,
      split: Boolean(args.split),
      broker,
      n,
      warmup,
      p50Us: percentile(us, 50),
      p99Us: p99,
      maxUs: us[us.length - 1],
      slowest1pct: slow.length,
      slowestOverlappingAGc: withGc.length,
      gcCount: gcs.length,
      gcMedianMs: percentile(gcMs, 50),
      gcMaxMs: gcMs[gcMs.length - 1] ?? 0,
      loopDelayP99Ms: loop.percentile(99) / 1e6,
      loopDelayMaxMs: loop.max / 1e6,
      overMsPerTenth,
      ...(marks === undefined ? {} : { segmentP50Us: segmentMedians(parts) }),
    }),
  );
  await roundTrips.close();
  process.exit(0);
}

void run();
