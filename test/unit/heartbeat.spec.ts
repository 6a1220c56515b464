import { HeartbeatMonitor, negotiateHeartbeats, parseHeartbeatHeader, type HeartbeatIntervals, type HeartbeatPeer } from '../../lib/engine/heartbeat';

describe('negotiateHeartbeats (spec 1.2, Heart-beating)', () => {
  // [our cx,cy], broker's heart-beat header, expected {sendMs, receiveMs}
  const TABLE: Array<[[number, number], string | undefined, HeartbeatIntervals]> = [
    [[0, 0], '0,0', { sendMs: 0, receiveMs: 0 }],
    [[0, 0], '5000,5000', { sendMs: 0, receiveMs: 0 }],
    [[1000, 2000], '0,0', { sendMs: 0, receiveMs: 0 }],
    [[1000, 2000], '3000,500', { sendMs: 1000, receiveMs: 3000 }],
    [[1000, 2000], '300,5000', { sendMs: 5000, receiveMs: 2000 }],
    [[1000, 2000], '0,500', { sendMs: 1000, receiveMs: 0 }],
    [[1000, 2000], '3000,0', { sendMs: 0, receiveMs: 3000 }],
    [[0, 2000], '3000,500', { sendMs: 0, receiveMs: 3000 }],
    [[1000, 0], '3000,500', { sendMs: 1000, receiveMs: 0 }],
    [[100, 100], '5000,10000', { sendMs: 10000, receiveMs: 5000 }],
    [[4000, 4000], '4000,4000', { sendMs: 4000, receiveMs: 4000 }],
    [[1, 1], '1,1', { sendMs: 1, receiveMs: 1 }],
    // No header (STOMP 1.0 brokers) and malformed headers mean no heart-beats at all.
    [[1000, 2000], undefined, { sendMs: 0, receiveMs: 0 }],
    [[1000, 2000], '', { sendMs: 0, receiveMs: 0 }],
    [[1000, 2000], 'abc', { sendMs: 0, receiveMs: 0 }],
    [[1000, 2000], '1000', { sendMs: 0, receiveMs: 0 }],
    [[1000, 2000], '1000,', { sendMs: 0, receiveMs: 0 }],
    [[1000, 2000], ',1000', { sendMs: 0, receiveMs: 0 }],
    [[1000, 2000], '1000;1000', { sendMs: 0, receiveMs: 0 }],
    [[1000, 2000], '-1,1000', { sendMs: 0, receiveMs: 0 }],
    [[1000, 2000], '1.5,1000', { sendMs: 0, receiveMs: 0 }],
    [[1000, 2000], '1000,2000,3000', { sendMs: 0, receiveMs: 0 }],
    [[1000, 2000], '0x10,5', { sendMs: 0, receiveMs: 0 }],
  ];

  it.each(TABLE)('ours %j, broker %j → %j', (client, header, expected) => {
    expect(negotiateHeartbeats(client, header)).toEqual(expected);
  });

  it.each<[string | undefined, [number, number]]>([
    ['10000,20000', [10000, 20000]],
    ['0,0', [0, 0]],
    [' 10 , 20 ', [10, 20]],
    ['007,8', [7, 8]],
    [undefined, [0, 0]],
    ['x,y', [0, 0]],
    ['10,20\n', [10, 20]],
  ])('parseHeartbeatHeader(%j) → %j', (header, expected) => {
    expect(parseHeartbeatHeader(header)).toEqual(expected);
  });
});

describe('HeartbeatMonitor', () => {
  /** performance.now() when the test's fake clock started; times below are relative to it. */
  let T0 = 0;

  interface FakePeer extends HeartbeatPeer {
    lastWrite: number;
    lastRead: number;
    sent: number[];
    timeouts: number[];
  }

  function peer(): FakePeer {
    const p: FakePeer = {
      lastWrite: performance.now(),
      lastRead: performance.now(),
      sent: [],
      timeouts: [],
      lastWriteAt: () => p.lastWrite,
      lastReadAt: () => p.lastRead,
      // Like the connection: writing the EOL is a write.
      sendHeartbeat: () => {
        p.sent.push(performance.now() - T0);
        p.lastWrite = performance.now();
      },
      onTimeout: () => p.timeouts.push(performance.now() - T0),
    };
    return p;
  }

  const monitors: HeartbeatMonitor[] = [];
  function started(intervals: HeartbeatIntervals, p: HeartbeatPeer, scale = 1.5): HeartbeatMonitor {
    const monitor = new HeartbeatMonitor(intervals, scale, p);
    monitors.push(monitor);
    monitor.start();
    return monitor;
  }

  beforeEach(() => {
    // Modern fake timers fake performance.now too, which the monitor reads.
    jest.useFakeTimers();
    T0 = performance.now();
  });

  afterEach(() => {
    for (const m of monitors.splice(0)) m.stop();
    jest.useRealTimers();
  });

  describe('sending', () => {
    it('sends an EOL after sendMs of idle writing, then every sendMs', () => {
      const p = peer();
      started({ sendMs: 1000, receiveMs: 0 }, p);
      jest.advanceTimersByTime(999);
      expect(p.sent).toEqual([]);
      jest.advanceTimersByTime(1);
      expect(p.sent).toEqual([1000]);
      jest.advanceTimersByTime(4000);
      expect(p.sent).toEqual([1000, 2000, 3000, 4000, 5000]);
    });

    it('sends nothing while frames are being written', () => {
      const p = peer();
      started({ sendMs: 1000, receiveMs: 0 }, p);
      for (let t = 0; t < 20; t++) {
        jest.advanceTimersByTime(900);
        p.lastWrite = performance.now();
      }
      expect(p.sent).toEqual([]);
    });

    it('re-arms for the remaining time: the EOL goes out sendMs after the last write, not on the tick', () => {
      const p = peer();
      started({ sendMs: 1000, receiveMs: 0 }, p);
      jest.advanceTimersByTime(700);
      p.lastWrite = performance.now();
      jest.advanceTimersByTime(999); // t = 1699
      expect(p.sent).toEqual([]);
      jest.advanceTimersByTime(1); // t = 1700
      expect(p.sent).toEqual([1700]);
    });

    it('keeps exactly one send timer pending', () => {
      const p = peer();
      started({ sendMs: 1000, receiveMs: 0 }, p);
      for (let i = 0; i < 5; i++) {
        jest.advanceTimersByTime(1000);
        expect(jest.getTimerCount()).toBe(1);
      }
    });

    it('never reports a timeout when only sending is negotiated', () => {
      const p = peer();
      started({ sendMs: 1000, receiveMs: 0 }, p);
      jest.advanceTimersByTime(60_000);
      expect(p.timeouts).toEqual([]);
    });
  });

  describe('receiving', () => {
    it('reports a timeout after receiveMs × 1.5 of silence, and not before', () => {
      const p = peer();
      started({ sendMs: 0, receiveMs: 1000 }, p);
      jest.advanceTimersByTime(1499);
      expect(p.timeouts).toEqual([]);
      jest.advanceTimersByTime(1);
      expect(p.timeouts).toEqual([1500]);
    });

    it('reports once, then stops watching', () => {
      const p = peer();
      started({ sendMs: 500, receiveMs: 1000 }, p);
      jest.advanceTimersByTime(1500);
      expect(p.timeouts).toEqual([1500]);
      const sent = p.sent.length;
      jest.advanceTimersByTime(60_000);
      expect(p.timeouts).toEqual([1500]);
      expect(p.sent).toHaveLength(sent);
      expect(jest.getTimerCount()).toBe(0);
    });

    it.each([1, 1.5, 2, 3])('honours a scale of %f', (scale) => {
      const p = peer();
      started({ sendMs: 0, receiveMs: 2000 }, p, scale);
      jest.advanceTimersByTime(2000 * scale - 1);
      expect(p.timeouts).toEqual([]);
      jest.advanceTimersByTime(1);
      expect(p.timeouts).toEqual([2000 * scale]);
    });

    it('any byte read in time keeps the connection alive', () => {
      const p = peer();
      started({ sendMs: 0, receiveMs: 1000 }, p);
      for (let i = 0; i < 50; i++) {
        jest.advanceTimersByTime(1400);
        p.lastRead = performance.now();
      }
      expect(p.timeouts).toEqual([]);
    });

    it('re-arms for the remaining time: the timeout comes receiveMs × scale after the last read', () => {
      const p = peer();
      started({ sendMs: 0, receiveMs: 1000 }, p);
      jest.advanceTimersByTime(1000);
      p.lastRead = performance.now(); // t = 1000: the check at 1500 sees 500 ms of silence
      jest.advanceTimersByTime(1499); // t = 2499
      expect(p.timeouts).toEqual([]);
      jest.advanceTimersByTime(1); // t = 2500
      expect(p.timeouts).toEqual([2500]);
    });
  });

  describe('lifecycle', () => {
    it('arms nothing for 0,0', () => {
      const p = peer();
      started({ sendMs: 0, receiveMs: 0 }, p);
      expect(jest.getTimerCount()).toBe(0);
      jest.advanceTimersByTime(60_000);
      expect([p.sent, p.timeouts]).toEqual([[], []]);
    });

    it('stop() cancels everything', () => {
      const p = peer();
      const monitor = started({ sendMs: 1000, receiveMs: 1000 }, p);
      jest.advanceTimersByTime(1000);
      monitor.stop();
      expect(jest.getTimerCount()).toBe(0);
      jest.advanceTimersByTime(60_000);
      expect(p.sent).toEqual([1000]);
      expect(p.timeouts).toEqual([]);
    });

    it('stop() called from inside sendHeartbeat (a write that fails) is final', () => {
      const p = peer();
      let monitor: HeartbeatMonitor | undefined = undefined;
      p.sendHeartbeat = () => {
        p.sent.push(performance.now() - T0);
        monitor!.stop();
      };
      monitor = started({ sendMs: 1000, receiveMs: 0 }, p);
      jest.advanceTimersByTime(10_000);
      expect(p.sent).toEqual([1000]);
      expect(jest.getTimerCount()).toBe(0);
    });

    it('a restart from inside sendHeartbeat leaves one send timer, not two', () => {
      const p = peer();
      let monitor: HeartbeatMonitor | undefined = undefined;
      let restarted = false;
      p.sendHeartbeat = () => {
        p.sent.push(performance.now() - T0);
        p.lastWrite = performance.now();
        if (!restarted) {
          restarted = true;
          monitor!.stop();
          monitor!.start();
        }
      };
      monitor = started({ sendMs: 1000, receiveMs: 0 }, p);
      jest.advanceTimersByTime(3000);
      expect(jest.getTimerCount()).toBe(1);
      expect(p.sent).toEqual([1000, 2000, 3000]);
    });

    it('start() twice does not double the timers', () => {
      const p = peer();
      const monitor = started({ sendMs: 1000, receiveMs: 1000 }, p);
      monitor.start();
      expect(jest.getTimerCount()).toBe(2);
      jest.advanceTimersByTime(1000);
      expect(p.sent).toEqual([1000]);
      monitor.stop();
      expect(jest.getTimerCount()).toBe(0);
    });

    it('intervals past the longest timer (2^31 - 1 ms) are waited out in parts, not polled every millisecond', () => {
      const p = peer();
      let clockReads = 0;
      p.lastWriteAt = () => (clockReads++, p.lastWrite);
      p.lastReadAt = () => (clockReads++, p.lastRead);
      // A broker may answer heart-beat:3000000000,3000000000; Node fires a longer timer after 1 ms.
      started({ sendMs: 3e9, receiveMs: 3e9 }, p);
      jest.advanceTimersByTime(10_000);
      expect(clockReads).toBe(0);
      jest.advanceTimersByTime(3e9 - 10_000);
      expect(p.sent).toEqual([3e9]);
      // Nothing was read, so the broker is silent after receiveMs × 1.5.
      jest.advanceTimersByTime(1.5e9);
      expect(p.timeouts).toEqual([4.5e9]);
      expect(clockReads).toBeLessThan(10);
    });

    it('its timers do not keep the process alive', () => {
      jest.useRealTimers();
      const monitor = new HeartbeatMonitor({ sendMs: 60_000, receiveMs: 60_000 }, 1.5, peer());
      monitor.start();
      const timers = monitor as unknown as { sendTimer: NodeJS.Timeout; receiveTimer: NodeJS.Timeout };
      expect([timers.sendTimer.hasRef(), timers.receiveTimer.hasRef()]).toEqual([false, false]);
      monitor.stop();
    });
  });
});
