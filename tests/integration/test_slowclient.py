"""Slow clients cannot stall the programs, behind nginx or Apache.

With 2 workers per program, each server gets SLOW clients that send a
request body one byte every 0.25 s (half of them to POST /api/issues, half
to POST /api/me, the program the ordinary requests use) and as many that
send their request headers one byte every 0.25 s, while ordinary
authenticated GET /api/me requests are timed.  "Unaffected" is a ratio to
an unloaded run of the same requests on the same stack a moment before:
the loaded median at most MEDIAN_RATIO times the unloaded median, and the
slowest loaded request at most MAX_RATIO times the unloaded median (a
stalled worker shows as ten thousands: the ordinary request waits out a
slow client's whole timeout, 10 s, against well under a millisecond; a
busy shared host's hiccups stay far below).  The slow clients must still
be sending when the loaded run starts, or it proves nothing.  Prints every figure.  About 15 s per server."""

import http.client
import socket
import statistics
import threading
import time

import jtatest

SLOW = 4              # slow-body clients, and as many slow-header ones
REQUESTS = 40         # ordinary requests per run
MEDIAN_RATIO = 5.0
MAX_RATIO = 1000.0
TRICKLE = 0.25        # seconds between two bytes of a slow client


def timed(stack, key, n):
    """n sequential GET /api/me, each on a fresh connection: the
    latencies in seconds (a failure raises)."""
    out = []
    for _ in range(n):
        t0 = time.monotonic()
        c = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=30)
        c.request("GET", "/api/me", headers={"Authorization":
                                            "Bearer " + key})
        r = c.getresponse()
        r.read()
        c.close()
        out.append(time.monotonic() - t0)
        if r.status != 200:
            raise RuntimeError("GET /api/me answered %d" % r.status)
    return out


class Slow(threading.Thread):
    """One slow client: the head of a request at once, then the rest one
    byte per TRICKLE until stop is set or the server closes."""

    def __init__(self, port, head, rest, stop):
        super().__init__(daemon=True)
        self.port, self.head, self.rest, self.stop = port, head, rest, stop
        self.sent = 0
        self.closed_at = None   # when the server cut it (monotonic)
        self.answer = b""

    def run(self):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        s.settimeout(TRICKLE)
        try:
            s.sendall(self.head)
            for i in range(len(self.rest)):
                if self.stop.is_set():
                    return
                try:
                    data = s.recv(4096)
                    if data == b"":
                        break
                    self.answer += data
                    break           # answered: the server gave up on it
                except socket.timeout:
                    pass
                s.sendall(self.rest[i:i + 1])
                self.sent += 1
        except OSError:
            pass
        finally:
            if not self.stop.is_set() and self.closed_at is None:
                self.closed_at = time.monotonic()
            s.close()


def test(c, stack, server):
    stack.admin("user", "add", "slowtest")
    rc, key, err = stack.admin("key", "create", "slowtest")
    key = key.strip()
    c.check("%s: a key" % server, rc == 0, err)
    timed(stack, key, 10)                       # warm the workers up
    unloaded = timed(stack, key, REQUESTS)
    base = statistics.median(unloaded)

    stop = threading.Event()
    host = "Host: 127.0.0.1\r\n"
    auth = "Authorization: Bearer %s\r\n" % key
    body = b'{"project": "DEMO", "summary": "' + b"s" * 200 + b'"}'
    clients = []
    for i in range(SLOW):
        path = "/api/issues" if i % 2 == 0 else "/api/me"
        head = ("POST %s HTTP/1.1\r\n%s%sContent-Type: application/json\r\n"
                "Content-Length: %d\r\n\r\n" % (path, host, auth,
                                                len(body))).encode()
        clients.append(Slow(stack.port, head + body[:1], body[1:], stop))
    for i in range(SLOW):
        rest = ("%sX-Slow: %s\r\n\r\n" % (auth, "h" * 200)).encode()
        clients.append(Slow(stack.port, b"GET /api/me HTTP/1.1\r\n" +
                            host.encode(), rest, stop))
    for t in clients:
        t.start()
    time.sleep(1.5)             # every slow client is in its request
    t0 = time.monotonic()
    loaded = timed(stack, key, REQUESTS)
    t1 = time.monotonic()
    alive = sum(1 for t in clients if t.closed_at is None or
                t.closed_at > t0)
    stop.set()
    for t in clients:
        t.join(5)

    med = statistics.median(loaded)
    print("# %s: unloaded median %.2f ms, max %.2f ms; with %d slow-body "
          "and %d slow-header clients: median %.2f ms, max %.2f ms; ratios"
          " median %.2f, max/unloaded median %.1f; %d of %d slow clients "
          "still sending when it started (run %.2f s), %s bytes trickled" % (
              server, base * 1e3, max(unloaded) * 1e3, SLOW, SLOW,
              med * 1e3, max(loaded) * 1e3, med / base, max(loaded) / base,
              alive, len(clients), t1 - t0,
              "/".join(str(t.sent) for t in clients)))
    c.check("%s: the slow clients were still sending when the ordinary "
            "requests started" % server, alive == len(clients),
            [(t.sent, t.closed_at) for t in clients])
    c.check("%s: loaded median within %.0fx the unloaded one (%.2f)" % (
        server, MEDIAN_RATIO, med / base), med <= MEDIAN_RATIO * base,
        (unloaded, loaded))
    c.check("%s: slowest loaded request within %.0fx the unloaded median "
            "(%.1f)" % (server, MAX_RATIO, max(loaded) / base),
            max(loaded) <= MAX_RATIO * base, (unloaded, loaded))


if __name__ == "__main__":
    jtatest.run(test)
