import { connect } from 'node:net';
import { BROKERS } from './brokers';

/**
 * Fails the whole run, loudly, when a broker the integration suites need does not answer a STOMP
 * CONNECT: a missing broker must never turn into skipped or vacuous tests.
 */
export default async function globalSetup(): Promise<void> {
  const problems: string[] = [];
  for (const broker of BROKERS) {
    const [host, port] = broker.options.hosts![0] as [string, number];
    const reply = await stompHello(host, port, broker.options.login!, broker.options.passcode!).catch((e: Error) => e.message);
    if (!reply.startsWith('CONNECTED')) problems.push(`${broker.name} on ${host}:${port}: ${reply.split('\n')[0] || 'no answer'}`);
  }
  if (problems.length > 0) {
    throw new Error(`Real brokers are required and not reachable — run 'bash scripts/brokers.sh' first.\n  ${problems.join('\n  ')}`);
  }
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
