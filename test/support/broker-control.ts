import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const SCRIPT = join(__dirname, '..', '..', 'scripts', 'brokers.sh');
const run = promisify(execFile);

/** Real broker processes, driven through scripts/brokers.sh (kill -9 for restart and stop: a crash, not a shutdown). */
export type RealBroker = 'rabbitmq' | 'activemq';

/** Kills the broker hard (SIGKILL) and starts it again; resolves once it answers STOMP CONNECT. */
export async function restartBroker(name: RealBroker): Promise<void> {
  await run('bash', [SCRIPT, 'restart', name], { timeout: 120_000 });
}

/** Kills the broker hard and leaves it down. */
export async function stopBroker(name: RealBroker): Promise<void> {
  await run('bash', [SCRIPT, 'stop', name], { timeout: 60_000 });
}

/** Brings every broker up again (idempotent). */
export async function startBrokers(): Promise<void> {
  await run('bash', [SCRIPT], { timeout: 120_000 });
}

/**
 * RabbitMQ's own count of a queue's messages, for a failure message that must tell a consumer that
 * stalled (messages still queued) from messages the broker lost. ActiveMQ has no command-line view
 * without JMX, so it answers undefined.
 */
export async function queueCounts(name: RealBroker, destination: string): Promise<{ ready: number; unacked: number; consumers: number } | undefined> {
  if (name !== 'rabbitmq') return undefined;
  const queue = rabbitQueueName(destination);
  const { stdout } = await run('rabbitmqctl', ['list_queues', '-q', '--no-table-headers', 'name', 'messages_ready', 'messages_unacknowledged', 'consumers'], { timeout: 30_000 });
  const row = stdout.split('\n').map((line) => line.trim().split(/\s+/)).find((cells) => cells[0] === queue);
  return row === undefined ? undefined : { ready: Number(row[1]), unacked: Number(row[2]), consumers: Number(row[3]) };
}

/**
 * Makes RabbitMQ write what it holds of its definitions (a queue just declared) to disk. A durable
 * queue declared less than a moment before a SIGKILL can be missing after the restart, with every
 * confirmed message it held; by our reading its declaration was still in Mnesia's log buffer
 * (README, "Delivery guarantees and failure behaviour").
 */
export async function flushRabbitDefinitions(): Promise<void> {
  await run('rabbitmqctl', ['eval', 'mnesia:sync_log().'], { timeout: 30_000 });
}

/** Deletes a RabbitMQ queue behind its consumers' backs, as an operator or a policy would. */
export async function deleteRabbitQueue(destination: string): Promise<void> {
  await run('rabbitmqctl', ['delete_queue', rabbitQueueName(destination)], { timeout: 30_000 });
}

/** The queue RabbitMQ's STOMP adapter declares for a `/queue/NAME` destination: NAME. */
function rabbitQueueName(destination: string): string {
  return destination.replace(/^\/queue\//, '');
}

/** Resolves once RabbitMQ counts `consumers` on the queue: a consumer on another connection is subscribed. */
export async function rabbitConsumers(destination: string, consumers: number, ms = 20_000): Promise<void> {
  const deadline = performance.now() + ms;
  for (;;) {
    const counts = await queueCounts('rabbitmq', destination);
    if (counts !== undefined && counts.consumers === consumers) return;
    if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${consumers} consumer(s) on ${destination}: ${JSON.stringify(counts)}`);
  }
}
