import { Controller } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { firstValueFrom, lastValueFrom, timeout, TimeoutError } from 'rxjs';
import { ClientStomp, StompConnectionError, StompStatus, type ServerStomp, type StompConnection } from '../../lib';
import { BROKERS } from '../support/brokers';
import { report } from '../support/figures';
import { closeAll, session } from '../support/session';
import { TcpProxy } from '../support/tcp-proxy';
import { Inbox, uniqueName, within } from '../support/wait';
import { closeApps, startClient, startServer } from '../nest/harness';

const HEARTBEAT_MS = 1000;
const SCALE = 1.5;

/** Resolves with the time at which `status` next reports `wanted`, ignoring the value it replays on subscribe. */
function nextStatus(source: { status: import('rxjs').Observable<string> }, wanted: StompStatus): Promise<number> {
  return new Promise((resolve) => {
    let replayed = true;
    const sub = source.status.subscribe((status) => {
      if (replayed || status !== wanted) return;
      resolve(performance.now());
      queueMicrotask(() => sub.unsubscribe());
    });
    replayed = false;
  });
}

describe.each(BROKERS)('network faults on $name', (broker) => {
  const proxies: TcpProxy[] = [];
  const brokerPort = (broker.options.hosts![0] as [string, number])[1];

  afterEach(async () => {
    await closeApps();
    await closeAll();
    for (const proxy of proxies.splice(0)) await proxy.stop();
  });

  async function proxy(): Promise<TcpProxy> {
    const p = await TcpProxy.start(brokerPort);
    proxies.push(p);
    return p;
  }

  it('half-open link: server and client notice by heart-beat, fail in-flight requests, reconnect and carry on', async () => {
    const link = await proxy();
    const rpc = `/queue/${uniqueName('half-open-rpc')}`;
    const events = `/queue/${uniqueName('half-open-events')}`;
    const release = new Inbox<true>();
    const handled = new Inbox<string>();
    @Controller()
    class Service {
      @MessagePattern(rpc)
      async echo(@Payload() text: string): Promise<string> {
        if (text === 'slow') await release.next(30_000);
        return text;
      }
      @EventPattern<string>(events)
      onEvent(@Payload() text: string): void {
        handled.push(text);
      }
    }
    const viaProxy = { hosts: [['127.0.0.1', link.port] as [string, number]], heartbeats: [HEARTBEAT_MS, HEARTBEAT_MS] as [number, number] };
    const { server } = await startServer(broker, [Service], { ...viaProxy, concurrency: 2 });
    const { client } = await startClient(broker, { ...viaProxy, requestTimeout: 60_000, confirm: true });
    expect(await firstValueFrom(client.send(rpc, 'before'))).toBe('before');

    const inFlight = firstValueFrom(client.send(rpc, 'slow')).catch((e: unknown) => e);
    const [serverDown, clientDown] = [nextStatus(server, StompStatus.DISCONNECTED), nextStatus(client, StompStatus.DISCONNECTED)];
    const [serverUp, clientUp] = [nextStatus(server, StompStatus.CONNECTED), nextStatus(client, StompStatus.CONNECTED)];
    await new Promise((resolve) => setImmediate(resolve));
    const frozenAt = performance.now();
    link.freeze();

    const failed = await inFlight;
    const failedAt = performance.now();
    expect(failed).toBeInstanceOf(StompConnectionError);
    const detectedClient = (await clientDown) - frozenAt;
    const detectedServer = (await serverDown) - frozenAt;
    // Well under the 60 s request timeout: the heart-beat found the dead link, nothing else.
    // ActiveMQ is allowed one interval more (its heart-beats come up to two intervals apart).
    const allowed = HEARTBEAT_MS * (SCALE + (broker.name === 'activemq' ? 1 : 0)) + HEARTBEAT_MS;
    expect(detectedClient).toBeLessThan(allowed);
    expect(detectedServer).toBeLessThan(allowed);
    await Promise.all([serverUp, clientUp]);
    release.push(true);
    const recoveredAt = performance.now();

    expect(await firstValueFrom(client.send(rpc, 'after'))).toBe('after');
    await lastValueFrom(client.emit(events, 'event after'), { defaultValue: undefined });
    expect(await handled.next()).toBe('event after');
    report(`half-open ${broker.name}`, {
      heartbeat_ms: HEARTBEAT_MS,
      client_detected_ms: Math.round(detectedClient),
      server_detected_ms: Math.round(detectedServer),
      inflight_rpc_failed_ms: Math.round(failedAt - frozenAt),
      inflight_error: (failed as Error).name,
      both_reconnected_ms: Math.round(recoveredAt - frozenAt),
    });
  });

  it('a message sent while the broker is unreachable waits for the reconnect, then fails with a typed error', async () => {
    const link = await proxy();
    const { client } = await startClient(broker, { hosts: [['127.0.0.1', link.port]], reconnectWait: 300, confirm: true });
    const queue = `/queue/${uniqueName('unreachable')}`;
    const down = nextStatus(client, StompStatus.DISCONNECTED);
    await link.kill();
    await down;
    const startedAt = performance.now();
    const error = await lastValueFrom(client.emit(queue, 'lost?')).catch((e: unknown) => e);
    const waitedMs = performance.now() - startedAt;
    expect(error).toBeInstanceOf(StompConnectionError);
    expect((error as Error).message).toContain('no reconnect within 300 ms');
    report(`send while unreachable ${broker.name}`, { reconnect_wait_ms: 300, failed_after_ms: Math.round(waitedMs), error: (error as Error).name });
  });

  it('close() stops a first connect that cannot reach the broker; an emit meanwhile fails after reconnectWait', async () => {
    const link = await proxy();
    const port = link.port;
    await link.kill();
    const client = new ClientStomp({ ...broker.options, hosts: [['127.0.0.1', port]], reconnectWait: 300, reconnectSleepInitial: 0.05, reconnectSleepMax: 0.2 });
    const emitted = lastValueFrom(client.emit(`/queue/${uniqueName('never')}`, 'x')).catch((e: unknown) => e);
    expect(await within(emitted, 5_000, 'the emit to fail')).toMatchObject({ name: 'StompConnectionError', code: 'STOMP_ERR_NOT_CONNECTED' });
    await within(client.close(), 5_000, 'close() while the first connect retries');
  });

  it('close() as the first connect subscribes its reply destination ends that connect; a later request connects afresh', async () => {
    const rpc = `/queue/${uniqueName('close-race-rpc')}`;
    @Controller()
    class Echo {
      @MessagePattern(rpc)
      echo(@Payload() n: number): number {
        return n;
      }
    }
    await startServer(broker, [Echo]);
    const client = new ClientStomp({ ...broker.options, replyTo: `/queue/${uniqueName('close-race-replies')}`, subscribeReplyTo: true, requestTimeout: 5_000 });
    const connecting = client.connect().catch((e: unknown) => e);
    let closing: Promise<void> | undefined;
    // The first connect's connection is private until it is ready: reached here to close at the exact moment.
    const opening = (client as unknown as { opening: StompConnection }).opening;
    opening.setListener('race', { onSend: (frame) => frame.command === 'SUBSCRIBE' && queueMicrotask(() => (closing = client.close())) });
    expect(await within(connecting, 5_000, 'the first connect')).toMatchObject({ name: 'StompConnectionError', code: 'STOMP_ERR_NOT_CONNECTED' });
    await closing;
    expect(await firstValueFrom(client.send(rpc, 7))).toBe(7);
    await client.close();
  });

  it('a client whose reconnect gave up connects again for the next request, reporting each status change once', async () => {
    const link = await proxy();
    const rpc = `/queue/${uniqueName('gave-up-rpc')}`;
    @Controller()
    class Echo {
      @MessagePattern(rpc)
      echo(@Payload() n: number): number {
        return n + 1;
      }
    }
    await startServer(broker, [Echo]);
    const { client } = await startClient(broker, { hosts: [['127.0.0.1', link.port]], reconnectAttemptsMax: 2, reconnectSleepInitial: 0.05, reconnectSleepMax: 0.1, reconnectWait: 5_000 });
    const statuses: string[] = [];
    const watching = client.status.subscribe((status) => statuses.push(status));
    expect(await firstValueFrom(client.send(rpc, 1))).toBe(2);
    const gaveUp = new Inbox<Error>();
    client.on('error', gaveUp.push);
    const port = link.port;
    await link.kill();
    // The reset itself is reported first (a socket error); the reconnect's end says it could not connect.
    while (!(await gaveUp.next(10_000, 'the reconnect to give up')).message.includes('could not connect'));
    proxies.push(await TcpProxy.start(brokerPort, port));
    expect(await firstValueFrom(client.send(rpc, 2))).toBe(3);
    watching.unsubscribe();
    expect(statuses.filter((status, i) => status === statuses[i - 1])).toEqual([]);
    expect(statuses.at(-1)).toBe(StompStatus.CONNECTED);
  });

  it('a request its caller gave up on while the broker was unreachable is never sent', async () => {
    const link = await proxy();
    const rpc = `/queue/${uniqueName('abandoned-rpc')}`;
    const handled = new Inbox<string>();
    @Controller()
    class Recorder {
      @MessagePattern(rpc)
      record(@Payload() text: string): string {
        handled.push(text);
        return text;
      }
    }
    await startServer(broker, [Recorder]);
    const { client } = await startClient(broker, { hosts: [['127.0.0.1', link.port]], reconnectSleepInitial: 0.05, reconnectSleepMax: 0.1, reconnectWait: 10_000 });
    const down = nextStatus(client, StompStatus.DISCONNECTED);
    const port = link.port;
    await link.kill();
    await down;
    await expect(firstValueFrom(client.send(rpc, 'abandoned').pipe(timeout(200)))).rejects.toBeInstanceOf(TimeoutError);
    const up = nextStatus(client, StompStatus.CONNECTED);
    proxies.push(await TcpProxy.start(brokerPort, port));
    await up;
    expect(await firstValueFrom(client.send(rpc, 'wanted'))).toBe('wanted');
    expect([await handled.next(), ...handled.pending]).toEqual(['wanted']);
  });

  it('failover: when the active endpoint dies the server moves to the other and consumption continues', async () => {
    const [primary, secondary] = [await proxy(), await proxy()];
    const queue = `/queue/${uniqueName('failover')}`;
    const handled = new Inbox<string>();
    @Controller()
    class Consumer {
      @EventPattern<string>(queue)
      onEvent(@Payload() text: string): void {
        handled.push(text);
      }
    }
    const reconnectSleepInitial = 0.1;
    const { server } = await startServer(broker, [Consumer], {
      hosts: [
        ['127.0.0.1', primary.port],
        ['127.0.0.1', secondary.port],
      ],
      reconnectSleepInitial,
    });
    const producer = await session(broker, '1.2');
    await producer.conn.send(queue, 'one', { contentType: 'text/plain', receipt: true });
    expect(await handled.next()).toBe('one');
    expect(server.unwrap<import('../../lib').StompConnection>().hostAndPort).toEqual(['127.0.0.1', primary.port]);

    const up = nextStatus(server as ServerStomp, StompStatus.CONNECTED);
    const killedAt = performance.now();
    await primary.kill();
    const movedAfter = (await up) - killedAt;
    expect(server.unwrap<import('../../lib').StompConnection>().hostAndPort).toEqual(['127.0.0.1', secondary.port]);
    // The dead endpoint is refused at once and the next one is tried in the same pass: no sleep needed.
    expect(movedAfter).toBeLessThan(5_000);
    for (const body of ['two', 'three']) await producer.conn.send(queue, body, { contentType: 'text/plain', receipt: true });
    // At-least-once: 'one' comes again if its ACK died with the endpoint; nothing else may repeat.
    const after: string[] = [];
    while (!(after.includes('two') && after.includes('three'))) after.push(await handled.next());
    expect(after.filter((body) => body !== 'one')).toEqual(['two', 'three']);
    report(`failover ${broker.name}`, {
      moved_to_secondary_ms: Math.round(movedAfter),
      reconnect_sleep_initial_s: reconnectSleepInitial,
      consumed_after: 2,
      redelivered_duplicates: after.length - 2,
    });
  });
});
