#!/usr/bin/python3
"""stomp.py (Debian python3-stomp) driver for the benchmark: the same workloads as the Node peers.

  throughput: --broker --n --body --ack auto|client-individual --queue [--prefetch 1000] [--warmup W]
  rpc:        --broker --n --queue --concurrency 1|K [--warmup W]   (requester and responder in this process)

--warmup: messages or requests first sent untimed, as for the Node peers.

Prints one line `@@RESULT {json}` like the Node children (bench/support/child.ts).
"""
import json
import os
import sys
import threading
import time

import stomp

BROKERS = {
    'rabbitmq': (('127.0.0.1', 61613), 'guest', 'guest'),
    'activemq': (('127.0.0.1', 61614), 'admin', 'admin'),
}


def args():
    out, argv, i = {}, sys.argv[1:], 0
    while i < len(argv):
        key = argv[i][2:]
        if i + 1 < len(argv) and not argv[i + 1].startswith('--'):
            out[key] = argv[i + 1]
            i += 2
        else:
            out[key] = 'true'
            i += 1
    return out


def cpu_us():
    return time.process_time() * 1e6  # user + system CPU of this process


def connect(broker, listener=None):
    hostport, login, passcode = BROKERS[broker]
    conn = stomp.Connection12([hostport], heartbeats=(0, 0), vhost='/', auto_content_length=True)
    if listener is not None:
        conn.set_listener('bench', listener)
    conn.connect(login, passcode, wait=True)
    return conn


def report(result):
    sys.stdout.write('@@RESULT ' + json.dumps(result) + '\n')
    sys.stdout.flush()


class Counter(stomp.ConnectionListener):
    def __init__(self, n, conn_ref, ack):
        self.n, self.conn_ref, self.ack = n, conn_ref, ack
        self.received, self.bytes = 0, 0
        self.done = threading.Event()
        self.t1 = None

    def on_message(self, frame):
        if self.ack != 'auto':
            self.conn_ref[0].ack(frame.headers['ack'])
        self.received += 1
        self.bytes += len(frame.body)
        if self.received == self.n:
            self.t1 = time.perf_counter()
            self.done.set()

    def expect(self, n):
        """Starts counting afresh towards `n` messages."""
        self.n, self.received, self.bytes = n, 0, 0
        self.done.clear()


def throughput(a):
    n, size, ack = int(a['n']), int(a['body']), a['ack']
    prefetch = a.get('prefetch', '1000')
    dest = '/queue/' + a['queue']
    ref = [None]
    counter = Counter(n, ref, ack)
    consumer = connect(a['broker'], counter)
    ref[0] = consumer
    headers = {} if ack == 'auto' else {'prefetch-count': prefetch, 'activemq.prefetchSize': prefetch}
    receipt = threading.Event()

    class Receipts(stomp.ConnectionListener):
        def on_receipt(self, frame):
            receipt.set()
    consumer.set_listener('receipts', Receipts())
    consumer.subscribe(dest, id='bench-0', ack=ack, headers=headers, receipt='sub-0')
    receipt.wait(10)
    producer = connect(a['broker'])
    body = 'x' * size
    warmup = int(a.get('warmup', '0'))
    if warmup > 0:
        counter.expect(warmup)
        for _ in range(warmup):
            producer.send(dest, body)
        counter.done.wait(120)
    counter.expect(n)
    c0, t0 = cpu_us(), time.perf_counter()
    for _ in range(n):
        producer.send(dest, body)
    sent = time.perf_counter()
    while not counter.done.wait(1):
        sys.stdout.write('@@PROGRESS %d\n' % counter.received)
        sys.stdout.flush()
    cpu = cpu_us() - c0
    seconds = counter.t1 - t0
    if counter.bytes != n * size:
        raise SystemExit('received %d body bytes, expected %d' % (counter.bytes, n * size))
    producer.disconnect()
    consumer.disconnect()
    report({'n': n, 'seconds': seconds, 'msgsPerSec': n / seconds, 'sendSeconds': sent - t0, 'cpuUsPerMsg': cpu / n})


def rpc(a):
    n, concurrency = int(a['n']), int(a.get('concurrency', '1'))
    requests = '/queue/' + a['queue']
    replies = '/queue/' + a['queue'] + '.reply'
    ref = {}

    class Responder(stomp.ConnectionListener):
        def on_message(self, frame):
            ref['responder'].send(frame.headers['reply-to'], frame.body, headers={'correlation-id': frame.headers['correlation-id']})

    pending = {}
    lock = threading.Condition()

    class Requester(stomp.ConnectionListener):
        def on_message(self, frame):
            cid = frame.headers.get('correlation-id')
            with lock:
                start = pending.pop(cid, None)
                if start is not None:
                    latencies.append(time.perf_counter() - start)
                    lock.notify_all()

    latencies = []
    responder = connect(a['broker'], Responder())
    ref['responder'] = responder
    got = threading.Event()

    class Receipts(stomp.ConnectionListener):
        def on_receipt(self, frame):
            got.set()
    responder.set_listener('receipts', Receipts())
    responder.subscribe(requests, id='req', ack='auto', receipt='r1')
    got.wait(10)
    got.clear()
    requester = connect(a['broker'], Requester())
    requester.set_listener('receipts', Receipts())
    requester.subscribe(replies, id='rep', ack='auto', receipt='r2')
    got.wait(10)
    warm = int(a.get('warmup', min(50, n)))
    t0 = None
    for i in range(n + warm):
        if i == warm:
            with lock:
                while pending:
                    lock.wait(1)
                latencies.clear()
            t0 = time.perf_counter()
        cid = 'c-%d' % i
        with lock:
            while len(pending) >= concurrency:
                lock.wait(1)
            pending[cid] = time.perf_counter()
        requester.send(requests, '{"i":%d}' % i, headers={'reply-to': replies, 'correlation-id': cid})
        if i % 500 == 0:
            sys.stdout.write('@@PROGRESS %d\n' % i)
            sys.stdout.flush()
    with lock:
        while pending:
            lock.wait(1)
    seconds = time.perf_counter() - t0
    lat = sorted(x * 1e6 for x in latencies)
    requester.disconnect()
    responder.disconnect()
    pick = lambda p: lat[min(len(lat) - 1, max(0, -(-p * len(lat) // 100) - 1))]
    report({'n': n, 'seconds': seconds, 'reqPerSec': n / seconds, 'p50Us': pick(50), 'p99Us': pick(99), 'meanUs': sum(lat) / len(lat)})


if __name__ == '__main__':
    a = args()
    try:
        {'throughput': throughput, 'rpc': rpc}[a['op']](a)
    except BaseException as e:  # reported, the harness marks the run failed
        report({'error': repr(e)})
    os._exit(0)
