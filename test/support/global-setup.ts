import { channel } from 'node:diagnostics_channel';
import { connect } from 'node:net';
import { EmbeddedBroker } from '../../lib/testing/embedded-broker';
import { BROKERS, EMBEDDED_CLOSE_CHANNEL, EMBEDDED_PORT_ENV } from './brokers';

/** What global-teardown.ts stops: globals set here are visible there (and only there). */
export interface EmbeddedSetup {
  broker: EmbeddedBroker;
  stop(): Promise<void>;
}

const EMBEDDED = '__nestjsStompEmbeddedBroker';

/** The embedded broker this run started, for global-teardown.ts. */
export function embeddedSetup(): EmbeddedSetup | undefined {
  return (globalThis as Record<string, unknown>)[EMBEDDED] as EmbeddedSetup | undefined;
}

/**
 * Starts the embedded broker (the third target of the suites) in jest's main process, then fails the
 * whole run, loudly, when a broker the integration suites need does not answer a STOMP CONNECT: a
 * missing broker must never turn into skipped or vacuous tests.
 */
export default async function globalSetup(): Promise<void> {
  const embedded = await startEmbedded();
  const problems: string[] = [];
  for (const broker of BROKERS) {
    const [host, port] = broker.options.hosts![0] as [string, number];
    const reply = await stompHello(host, port, broker.options.login!, broker.options.passcode!).catch((e: Error) => e.message);
    if (!reply.startsWith('CONNECTED')) problems.push(`${broker.name} on ${host}:${port}: ${reply.split('\n')[0] || 'no answer'}`);
  }
  if (problems.length > 0) {
    await embedded.stop();
    throw new Error(`Real brokers are required and not reachable — run 'bash scripts/brokers.sh' first.\n  ${problems.join('\n  ')}`);
  }
}

async function startEmbedded(): Promise<EmbeddedSetup> {
  const broker = await EmbeddedBroker.start({ port: Number(process.env[EMBEDDED_PORT_ENV] ?? 0), users: { guest: 'guest' } });
  process.env[EMBEDDED_PORT_ENV] = String(broker.port);
  const control = channel(EMBEDDED_CLOSE_CHANNEL);
  const onClose = (message: unknown): void => {
    const session = (message as { session?: string }).session;
    if (session !== undefined) broker.closeConnections(session);
  };
  control.subscribe(onClose);
  const setup: EmbeddedSetup = {
    broker,
    stop: async () => {
      control.unsubscribe(onClose);
      await broker.stop();
    },
  };
  (globalThis as Record<string, unknown>)[EMBEDDED] = setup;
  return setup;
}

function stompHello(host: string, port: number, login: string, passcode: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no CONNECTED within 10 s'));
    }, 10_000);
    let data = '';
    socket.on('connect', () => socket.write(`CONNECT\naccept-version:1.2\nhost:/\nlogin:${login}\npasscode:${passcode}\n\n\0`));
    socket.on('data', (chunk) => {
      data += chunk.toString();
      if (data.includes('\0')) {
        clearTimeout(timer);
        socket.end();
        resolve(data);
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
