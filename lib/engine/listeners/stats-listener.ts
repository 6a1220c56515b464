import type { ConnectionListener } from '../listener';

/** Counts what happens on a connection, as stomp.py's `StatsListener`. */
export class StatsListener implements ConnectionListener {
  connections = 0;
  disconnects = 0;
  messages = 0;
  messagesSent = 0;
  errors = 0;
  heartbeatTimeouts = 0;
  heartbeatsReceived = 0;

  onConnected(): void {
    this.connections += 1;
  }
  onDisconnected(): void {
    this.disconnects += 1;
  }
  onMessage(): void {
    this.messages += 1;
  }
  onSend(): void {
    this.messagesSent += 1;
  }
  onError(): void {
    this.errors += 1;
  }
  onHeartbeatTimeout(): void {
    this.heartbeatTimeouts += 1;
  }
  onHeartbeat(): void {
    this.heartbeatsReceived += 1;
  }

  toString(): string {
    return [
      `Connections: ${this.connections}`,
      `Messages sent: ${this.messagesSent}`,
      `Messages received: ${this.messages}`,
      `Heartbeats received: ${this.heartbeatsReceived}`,
      `Errors: ${this.errors}`,
      `Heartbeat timeouts: ${this.heartbeatTimeouts}`,
      `Disconnects: ${this.disconnects}`,
    ].join('\n');
  }
}
