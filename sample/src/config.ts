import type { ConnectionOptions } from 'nestjs-stomp';

/** Broker settings from STOMP_URL (e.g. stomp://guest:guest@127.0.0.1:61613). */
export function brokerOptions(): ConnectionOptions {
  const url = process.env.STOMP_URL ?? 'stomp://guest:guest@127.0.0.1:61613';
  return { hosts: [url], heartbeats: [10_000, 10_000] };
}
