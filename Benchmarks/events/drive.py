#!/usr/bin/env python3
"""Drives the event benchmarks against a running `vigil serve` (Benchmarks/events.sh).

latency BASE KEY PDQ N
    One SSE client on match.found; N matching hash lookups one after another. Prints the p50 and
    p99 time from sending a lookup to its event arriving on the stream.

throughput BASE KEY PDQ SECONDS CLIENTS
    A local webhook receiver subscribed to match.found (signatures checked), one SSE client, and
    CLIENTS threads doing matching hash lookups for SECONDS. Prints the events written per
    second, the rate the stream and the webhooks delivered them at, and how long each took to
    catch up after the load stopped.
"""
import datetime, hashlib, hmac, http.client, http.server, json, socket, sys, threading, time, urllib.parse


def created(event):
    """The event's created_at as seconds since the epoch."""
    return datetime.datetime.fromisoformat(event["created_at"].replace("Z", "+00:00")).timestamp()


def request(base, key, method, path, body=None):
    u = urllib.parse.urlparse(base)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    headers = {"Authorization": "Bearer " + key}
    if body is not None:
        headers["Content-Type"] = "application/json"
        body = json.dumps(body)
    c.request(method, path, body=body, headers=headers)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, (json.loads(data) if data else None)


class Stream(threading.Thread):
    """An SSE client: records (arrival time, event id, seconds from the event's creation) per frame."""
    def __init__(self, base, key, types, after):
        super().__init__(daemon=True)
        self.frames = []
        self.cond = threading.Condition()
        u = urllib.parse.urlparse(base)
        self.sock = socket.create_connection((u.hostname, u.port))
        self.sock.sendall((f"GET /v1/events/stream?types={types}&after={after} HTTP/1.1\r\nHost: x\r\n"
                           f"Authorization: Bearer {key}\r\nAccept: text/event-stream\r\n\r\n").encode())

    def run(self):
        buffer = b""
        while True:
            chunk = self.sock.recv(65536)
            if not chunk:
                return
            buffer += chunk
            # Chunked transfer framing is stripped loosely: frames are found by their id line.
            while b"\n\n" in buffer:
                block, buffer = buffer.split(b"\n\n", 1)
                for line in block.split(b"\n"):
                    if line.startswith(b"data: "):
                        event = json.loads(line[6:])
                        with self.cond:
                            self.frames.append((time.monotonic(), event["id"], time.time() - created(event)))
                            self.cond.notify_all()

    def wait_count(self, n, timeout):
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.frames) < n and time.monotonic() < deadline:
                self.cond.wait(deadline - time.monotonic())
            return len(self.frames)


def latest(base, key):
    _, page = request(base, key, "GET", "/v1/events?limit=1000&after=0")
    after = 0
    while page["events"]:
        after = page["events"][-1]["id"]
        _, page = request(base, key, "GET", f"/v1/events?limit=1000&after={after}")
    return after


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def latency(base, key, pdq, n):
    stream = Stream(base, key, "match.found", latest(base, key))
    stream.start()
    time.sleep(0.5)
    u = urllib.parse.urlparse(base)
    c = http.client.HTTPConnection(u.hostname, u.port)
    samples = []
    for i in range(n):
        start = time.monotonic()
        c.request("GET", f"/m/lookup?signal_type=pdq&signal={pdq}", headers={"Authorization": "Bearer " + key})
        c.getresponse().read()
        if stream.wait_count(i + 1, 10) < i + 1:
            sys.exit(f"event {i + 1} did not arrive within 10 s")
        samples.append((stream.frames[i][0] - start) * 1000)
    print(f"match -> SSE event, {n} sequential lookups: p50 {pct(samples, 0.5):.1f} ms, p99 {pct(samples, 0.99):.1f} ms, max {max(samples):.1f} ms")


class Receiver(http.server.BaseHTTPRequestHandler):
    # Keep-alive, as a production receiver would: Vigil's client reuses its connections.
    protocol_version = "HTTP/1.1"
    secret = b""
    times = []
    bad = 0
    lock = threading.Lock()

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        parts = dict(p.split("=", 1) for p in self.headers["Vigil-Signature"].split(","))
        good = hmac.compare_digest(parts["v1"], hmac.new(Receiver.secret, parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest())
        lag = time.time() - created(json.loads(body))
        with Receiver.lock:
            Receiver.times.append((time.monotonic(), lag))
            if not good:
                Receiver.bad += 1
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def throughput(base, key, pdq, seconds, clients):
    Receiver.secret = b"bench-signing-secret"
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    status, credential = request(base, key, "POST", "/v1/credentials", {"integration": "webhook", "values": {
        "nickname": "bench receiver", "url": f"http://127.0.0.1:{server.server_port}/hook", "signing_secret": Receiver.secret.decode()}})
    assert status == 201, credential
    status, subscription = request(base, key, "POST", "/v1/webhooks", {"credential": credential["id"], "event_types": ["match.found"]})
    assert status == 201, subscription
    first = latest(base, key)
    stream = Stream(base, key, "match.found", first)
    stream.start()
    time.sleep(0.5)
    stop = time.monotonic() + seconds
    counts = [0] * clients

    def client(i):
        u = urllib.parse.urlparse(base)
        c = http.client.HTTPConnection(u.hostname, u.port)
        while time.monotonic() < stop:
            c.request("GET", f"/m/lookup?signal_type=pdq&signal={pdq}", headers={"Authorization": "Bearer " + key})
            c.getresponse().read()
            counts[i] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads: t.start()
    for t in threads: t.join()
    ended = time.monotonic()
    # Every event of the load is written once the recorder has flushed: wait until the table stops growing.
    written, previous = latest(base, key) - first, -1
    while written != previous:
        time.sleep(1.0)
        previous, written = written, latest(base, key) - first
    written_by = time.monotonic() - 1.0
    lookups = sum(counts)
    stream.wait_count(written, 120)
    deadline = time.monotonic() + 600
    while len(Receiver.times) < written and time.monotonic() < deadline:
        time.sleep(0.1)
    sse = stream.frames
    hooks = sorted(Receiver.times)
    print(f"load: {lookups} matching lookups in {ended - started:.1f} s ({lookups / (ended - started):.0f}/s, {clients} clients); "
          f"{written} match.found events written, all by {written_by - started:.1f} s ({written / max(written_by - started, 1e-9):.0f}/s)"
          + ("" if written == lookups else f"; {lookups - written} not recorded (the recorder's buffer was full)"))
    if sse:
        lags = [f[2] * 1000 for f in sse]
        print(f"SSE: {len(sse)} of {written} events, {len(sse) / max(sse[-1][0] - started, 1e-9):.0f} events/s; "
              f"from an event's commit to the client p50 {pct(lags, 0.5):.0f} ms, p99 {pct(lags, 0.99):.0f} ms")
    if hooks:
        lags = [h[1] * 1000 for h in hooks]
        print(f"webhooks: {len(hooks)} of {written} delivered, {Receiver.bad} bad signatures; {len(hooks) / max(hooks[-1][0] - started, 1e-9):.0f} deliveries/s; "
              f"done {max(0, hooks[-1][0] - ended):.1f} s after the load ended; from commit to receiver p50 {pct(lags, 0.5) / 1000:.1f} s, p99 {pct(lags, 0.99) / 1000:.1f} s")


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "latency":
        latency(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else:
        throughput(sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]), int(sys.argv[6]))
