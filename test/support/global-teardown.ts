import { execFileSync } from 'node:child_process';
import { embeddedSetup } from './global-setup';

/**
 * Stops the embedded broker global-setup.ts started. RabbitMQ keeps a durable queue for every
 * /queue/ destination a test used; delete this suite's (all named nstest-…) in one call. ActiveMQ
 * collects its empty test destinations by itself (gcInactiveDestinations in scripts/brokers.sh).
 */
export default async function globalTeardown(): Promise<void> {
  await embeddedSetup()?.stop();
  const erlang =
    'length([rabbit_amqqueue:delete(Q, false, false, <<"nestjs-stomp tests">>) || Q <- rabbit_amqqueue:list(), ' +
    'binary:match(element(4, amqqueue:get_name(Q)), <<"nstest-">>) =/= nomatch]).';
  try {
    execFileSync('rabbitmqctl', ['eval', erlang], { stdio: 'pipe', timeout: 30_000 });
  } catch (error) {
    process.stderr.write(`could not delete RabbitMQ test queues: ${(error as Error).message}\n`);
  }
}
