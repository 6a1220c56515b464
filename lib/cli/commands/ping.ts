import { formatEndpoint, type StompConnection } from '../../engine';
import type { Command } from '../command';
import { connectionOptions, isVerbose } from '../connection-flags';
import { ExitCode } from '../errors';
import { withSession } from '../session';

/** `nestjs-stomp ping`: is the broker there, and what did it agree to. */
export const ping: Command = {
  name: 'ping',
  summary: 'connect, print what was negotiated and how long CONNECTED took, disconnect',
  arguments: [],
  options: [],
  details: 'Prints the broker address, the negotiated STOMP version, the server and session the broker\nreported, the negotiated heart-beats and the time from opening the socket to CONNECTED.',
  async run({ args, io }) {
    const options = connectionOptions(args, io.env);
    const started = performance.now();
    await withSession(options, io, isVerbose(args), async (session) => {
      io.stdout.write(describe(session.conn, performance.now() - started));
    });
    return ExitCode.Ok;
  },
};

function describe(conn: StompConnection, elapsedMs: number): string {
  const connected = conn.connected!;
  const [host, port] = conn.hostAndPort!;
  const { sendMs, receiveMs } = conn.heartbeatIntervals;
  const every = (ms: number): string => (ms === 0 ? 'off' : `every ${ms} ms`);
  const lines: Array<[string, string]> = [
    ['broker', formatEndpoint({ host, port })],
    ['version', conn.version!],
    ['server', connected.header('server') ?? '(not given)'],
    ['session', connected.header('session') ?? '(not given)'],
    ['heart-beats', `send ${every(sendMs)}, receive ${every(receiveMs)}`],
    ['connected in', `${elapsedMs.toFixed(1)} ms`],
  ];
  return lines.map(([key, value]) => `${`${key}:`.padEnd(14)}${value}\n`).join('');
}
