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
