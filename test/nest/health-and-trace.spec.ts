import { Controller, Injectable, Module, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Payload, RpcException } from '@nestjs/microservices';
import { TerminusModule } from '@nestjs/terminus';
import { inspect } from 'node:util';
import { InjectStompConnection, ServerStomp, StompConnection, StompModule } from '../../lib';
import { StompHealthIndicator } from '../../lib/health';
import { BROKERS } from '../support/brokers';
import { closeAll, session } from '../support/session';
import { closeApps, closeLater, startServer } from './harness';
import { Inbox, uniqueName } from '../support/wait';

const broker = BROKERS[0];

describe('health indicator and frame trace', () => {
  afterEach(async () => {
    await closeApps();
    await closeAll();
  });

  it('reports up with version, server and last-received age while connected, down after', async () => {
    @Injectable()
    class Probe {
      constructor(
        readonly indicator: StompHealthIndicator,
        @InjectStompConnection() readonly connection: StompConnection,
      ) {}
    }
    @Module({ imports: [TerminusModule, StompModule.forRoot({ ...broker.options, heartbeats: [500, 500] })], providers: [StompHealthIndicator, Probe] })
    class HealthModule {}
    const app = await NestFactory.createApplicationContext(HealthModule, { logger: false });
    const { indicator, connection } = app.get(Probe);
    const up = indicator.isHealthy('stomp', connection);
    expect(up.stomp).toMatchObject({ status: 'up', state: 'connected', version: '1.2', server: expect.stringMatching(broker.server) });
    expect(up.stomp.lastReceivedAgoMs).toBeGreaterThanOrEqual(0);
    expect(up.stomp.heartbeatReceiveMs).toBeGreaterThanOrEqual(500);
    expect(indicator.isHealthy('stomp', connection, { maxSilenceMs: -1 }).stomp).toMatchObject({ status: 'down', reason: expect.stringContaining('nothing received') });
    await app.close();
    expect(indicator.isHealthy('stomp', connection).stomp).toMatchObject({ status: 'down', state: 'disconnected', reason: 'not connected' });
  });

  it('checks a ServerStomp itself: down before listen() and after close(), up in between', async () => {
    @Module({ imports: [TerminusModule], providers: [StompHealthIndicator] })
    class HealthModule {}
    const health = closeLater(await NestFactory.createApplicationContext(HealthModule, { logger: false }));
    const indicator = health.get(StompHealthIndicator);
    @Module({})
    class Empty {}
    const server = new ServerStomp(broker.options);
    expect(indicator.isHealthy('stomp', server).stomp).toMatchObject({ status: 'down', state: 'not started' });
    const app = closeLater(await NestFactory.createMicroservice(Empty, { strategy: server, logger: false }));
    await app.listen();
    expect(indicator.isHealthy('stomp', server).stomp).toMatchObject({ status: 'up', state: 'connected' });
    await app.close();
    expect(indicator.isHealthy('stomp', server).stomp).toMatchObject({ status: 'down', state: 'not started' });
    await health.close();
  });

  it('logs a failed event handler once: Nest logs an unknown error with its stack, the transport an RpcException', async () => {
    const activemq = BROKERS.find((target) => target.name === 'activemq')!;
    const lines = new Inbox<string>();
    const capture = (...args: unknown[]): void => lines.push(args.map((a) => (typeof a === 'string' ? a : inspect(a))).join(' '));
    const logger: LoggerService = { log: capture, error: capture, warn: capture, debug: capture, verbose: capture };
    const queue = `/queue/${uniqueName('failing')}`;
    @Controller()
    class Failing {
      @EventPattern<string>(queue)
      handle(@Payload() data: string): void {
        if (data === 'boom') throw new Error('boom');
        throw new RpcException('refused');
      }
    }
    // ActiveMQ dead-letters a NACKed message, so neither comes back.
    const { app } = await startServer(activemq, [Failing], {}, logger);
    const producer = await session(activemq, '1.2');
    for (const body of ['boom', 'refused']) await producer.conn.send(queue, body, { contentType: 'text/plain', receipt: true });
    const seen: string[] = [];
    while (!seen.some((line) => line.includes('refused'))) seen.push(await lines.next(10_000, 'the log line of the RpcException'));
    await app.close();
    const about = (needle: string): string[] => [...seen, ...lines.pending].filter((line) => line.includes(needle));
    expect(about('boom')).toHaveLength(1);
    expect(about('boom')[0]).toContain('Error: boom\n    at ');
    expect(about('Internal server error')).toEqual([]);
    expect(about('refused')).toEqual([expect.stringContaining(`handler for ${queue} failed on message ID:`)]);
    expect(about('refused')[0]).toContain('"message":"refused"');
  });

  it('logs a lost connection and the reconnect after it, and nothing of the kind for its own close()', async () => {
    const activemq = BROKERS.find((target) => target.name === 'activemq')!;
    const lines = new Inbox<string>();
    const capture = (message: unknown): void => lines.push(String(message));
    const { app, server } = await startServer(activemq, [], { reconnectSleepInitial: 0.01 }, { log: capture, error: capture, warn: capture });
    await activemq.closeConnection(server.unwrap());
    const seen: string[] = [];
    while (!seen.some((line) => line.startsWith('reconnected to'))) seen.push(await lines.next(10_000, 'the reconnect'));
    expect(seen.filter((line) => /lost|reconnected/.test(line))).toEqual(['connection to ActiveMQ/5.17.2 lost; reconnecting', 'reconnected to ActiveMQ/5.17.2']);
    await app.close();
    expect(lines.pending.filter((line) => /lost|reconnect/.test(line))).toEqual([]);
  });

  it('traces frames through the Nest logger at debug level, masked', async () => {
    const lines: string[] = [];
    const capture = (...args: unknown[]): void => void lines.push(args.map((a) => (typeof a === 'string' ? a : inspect(a))).join(' '));
    const logger: LoggerService = { log: capture, error: capture, warn: capture, debug: capture, verbose: capture };
    const queue = `/queue/${uniqueName('trace')}`;
    const handled = new Inbox<unknown>();
    @Controller()
    class Traced {
      @EventPattern<string>(queue)
      handle(@Payload() data: unknown): void {
        handled.push(data);
      }
    }
    @Module({ controllers: [Traced] })
    class TraceModule {}
    const app = await NestFactory.createMicroservice(TraceModule, { strategy: new ServerStomp({ ...broker.options, passcode: 'guest', traceFrames: true }), logger });
    await app.listen();
    const producer = await session(broker, '1.2');
    await producer.conn.send(queue, '{"n":1}', { contentType: 'application/json', receipt: true });
    expect(await handled.next()).toEqual({ n: 1 });
    await app.close();
    const trace = lines.join('\n');
    expect(trace).toMatch(/>>> STOMP \{.*passcode:\*{8}/);
    expect(trace).toMatch(/>>> SUBSCRIBE \{destination:\/queue\/nstest-trace/);
    expect(trace).toMatch(/<<< MESSAGE \{.*\(7 bytes\)/);
    expect(trace).toMatch(/>>> ACK/);
    expect(trace).not.toMatch(/passcode:guest/);
  });
});
