import type { ConnectionOptions } from 'nestjs-stomp';

/** Broker settings from STOMP_URL (e.g. stomp://guest:guest@127.0.0.1:61613), which main.ts always sets. */
export function brokerOptions(): ConnectionOptions {
  const url = process.env.STOMP_URL;
  if (url === undefined) throw new Error('STOMP_URL is not set');
  return { hosts: [url], heartbeats: [10_000, 10_000] };
}
