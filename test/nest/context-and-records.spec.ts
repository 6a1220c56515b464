import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { StompContext, StompTransactional } from '../../lib';
import { BROKERS } from '../support/brokers';
import { closeAll, session } from '../support/session';
import { uniqueName } from '../support/wait';
import { closeApps, startServer } from './harness';

describe.each(BROKERS)('handler context, transactions and records on $name', (broker) => {
  afterEach(async () => {
    await closeApps();
    await closeAll();
  });

  it('commits a @StompTransactional handler of an ack-auto subscription (nothing to ACK there)', async () => {
    const queue = `/queue/${uniqueName('tx-auto')}`;
    const out = `/queue/${uniqueName('tx-auto-out')}`;
    @Controller()
    class Forwarder {
      @EventPattern<string>(queue, { ack: 'auto' })
      @StompTransactional()
      async handle(@Payload() order: { id: number }, @Ctx() ctx: StompContext): Promise<void> {
        await ctx.send(out, { forwarded: order.id });
      }
    }
    await startServer(broker, [Forwarder]);
    const s = await session(broker, '1.2');
    await s.conn.subscribe(out, 'out', 'auto', undefined, { receipt: true });
    await s.conn.send(queue, '{"id":7}', { contentType: 'application/json', receipt: true });
    expect(JSON.parse((await s.inbox('out').next(10_000, 'the forwarded message')).text())).toEqual({ forwarded: 7 });
  });
});
