import { Logger } from '@nestjs/common';
import { StompConnection, StompConnectionError, type StompError } from '../../lib';
import { BROKERS, type BrokerTarget } from '../support/brokers';
import { deadPort } from '../support/fake-peer';
import { Inbox } from '../support/wait';
import { closeApps, startClient } from '../nest/harness';

describe('failed connect attempts are reported as they happen', () => {
  afterEach(closeApps);

  it('the engine tells listeners of each failed attempt that another follows, and connect() rejects after the last', async () => {
    const port = await deadPort();
    const conn = new StompConnection({ hosts: [['127.0.0.1', port]], reconnectAttemptsMax: 3, reconnectSleepInitial: 0.01, preferLocalhost: false });
    const failed: StompError[] = [];
    conn.setListener('attempts', { onConnectAttemptFailed: (error) => failed.push(error) });
    await expect(conn.connect()).rejects.toThrow(/3 attempts/);
    // The third failure is connect()'s rejection, not an attempt "followed by another".
    expect(failed).toHaveLength(2);
    for (const error of failed) {
      expect(error).toBeInstanceOf(StompConnectionError);
      expect(error.message).toContain(`127.0.0.1:${port}`);
    }
  });

  it('a Nest client waiting for an unreachable broker logs each failed attempt as a warning', async () => {
    const port = await deadPort();
    const warnings = new Inbox<string>();
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => warnings.push(String(message)));
    try {
      // It never connects; closeApps() closes it, which stops the attempts.
      const unreachable: BrokerTarget = { ...BROKERS[0], options: { hosts: [['127.0.0.1', port]] } };
      startClient(unreachable, { reconnectSleepInitial: 0.01, reconnectSleepMax: 0.05 }).catch(() => undefined);
      for (let i = 0; i < 2; i++) expect(await warnings.next()).toMatch(new RegExp(`cannot connect to 127\\.0\\.0\\.1:${port}.*; trying again$`));
    } finally {
      warn.mockRestore();
    }
  });
});
