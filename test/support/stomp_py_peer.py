"""The reference client, Debian's python3-stomp, driven by the interop tests.

  send HOST PORT VERSION DEST       reads {"body_b64", "headers", "login", "passcode"} as JSON on stdin
  receive HOST PORT VERSION DEST N  prints READY once subscribed, then one JSON line per message
  request HOST PORT VERSION DEST REPLY_QUEUE  reads the send spec on stdin, sends it with reply-to and
                                   correlation-id, prints the one reply as a JSON line

Bodies travel base64-encoded so binary survives the pipe; stomp.py runs with auto_decode off.
"""
import base64
import json
import sys
import threading

import stomp

CLASSES = {"1.0": stomp.Connection10, "1.1": stomp.Connection11, "1.2": stomp.Connection12}
TIMEOUT = 20.0


def connection(host, port, version, login, passcode):
    cls = CLASSES[version]
    kwargs = {"auto_decode": False}
    if version != "1.0":
        # stomp.py's default host header is the socket host, which RabbitMQ reads as a vhost name.
        kwargs["vhost"] = "/"
    conn = cls([(host, int(port))], **kwargs)
    return conn


def send(host, port, version, dest):
    spec = json.load(sys.stdin)
    conn = connection(host, port, version, spec["login"], spec["passcode"])
    conn.connect(spec["login"], spec["passcode"], wait=True)
    receipt = stomp.WaitingListener("sent")
    conn.set_listener("waiter", receipt)
    conn.send(dest, base64.b64decode(spec["body_b64"]), headers=dict(spec["headers"], receipt="sent"))
    receipt.wait_on_receipt()
    conn.disconnect()


class Printer(stomp.ConnectionListener):
    def __init__(self, count):
        self.remaining = count
        self.done = threading.Event()

    def on_message(self, frame):
        body = frame.body if isinstance(frame.body, bytes) else frame.body.encode("utf-8")
        print(json.dumps({"headers": frame.headers, "body_b64": base64.b64encode(body).decode()}), flush=True)
        self.remaining -= 1
        if self.remaining == 0:
            self.done.set()


def receive(host, port, version, dest, count, login, passcode):
    conn = connection(host, port, version, login, passcode)
    printer = Printer(int(count))
    conn.set_listener("printer", printer)
    subscribed = stomp.WaitingListener("subscribed")
    conn.set_listener("waiter", subscribed)
    conn.connect(login, passcode, wait=True)
    conn.subscribe(dest, id="py-1", ack="auto", headers={"receipt": "subscribed"})
    subscribed.wait_on_receipt()
    print("READY", flush=True)
    if not printer.done.wait(TIMEOUT):
        print("TIMEOUT", flush=True)
        sys.exit(2)
    conn.disconnect()


def request(host, port, version, dest, reply_queue):
    spec = json.load(sys.stdin)
    conn = connection(host, port, version, spec["login"], spec["passcode"])
    printer = Printer(1)
    conn.set_listener("printer", printer)
    subscribed = stomp.WaitingListener("subscribed")
    conn.set_listener("waiter", subscribed)
    conn.connect(spec["login"], spec["passcode"], wait=True)
    conn.subscribe(reply_queue, id="py-replies", ack="auto", headers={"receipt": "subscribed"})
    subscribed.wait_on_receipt()
    headers = dict(spec["headers"], **{"reply-to": reply_queue, "correlation-id": "py-42"})
    conn.send(dest, base64.b64decode(spec["body_b64"]), headers=headers)
    if not printer.done.wait(TIMEOUT):
        print("TIMEOUT", flush=True)
        sys.exit(2)
    conn.disconnect()


if __name__ == "__main__":
    command, rest = sys.argv[1], sys.argv[2:]
    if command == "send":
        send(*rest)
    elif command == "receive":
        receive(*rest)
    elif command == "request":
        request(*rest)
    else:
        sys.exit("usage: stomp_py_peer.py send|receive ...")
