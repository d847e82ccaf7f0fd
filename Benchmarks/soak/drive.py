#!/usr/bin/env python3
"""The soak (issue 32 §5), driven from one process: two `vigil serve` replicas on one PostgreSQL
behind nginx, under a mixed load at a fraction of the peak this same driver measures first, with
one replica killed (`kill -9`) and restarted during the run. Benchmarks/soak.sh sets up PostgreSQL,
nginx and the NCMEC mocks and calls this; see it for the usage.

What it runs, through nginx:
  - hash lookups (GET /m/lookup, half of them hits) and image lookups (POST /v1/match, half hits);
  - workflow runs (each: Match Lookup of an image URL → on a match: a case, the account blocked, a
    signed webhook to a receiver here);
  - one 1M-hash import (POST /v1/banks/BIG/import) early on; a hash-sharing sync from the mock
    at the start and every 5 minutes;
  - a CyberTipline report every minute (a case with evidence → draft → approve → the mock).
What it checks at the end: every error other than the killed replica's in-flight requests, every
run, case, webhook delivery and report counted against what was asked (from the database and the
receivers), resident memory after the first 5 minutes, and the change-log lag of each replica.
"""
import argparse, base64, math, hashlib, hmac, http.client, json, os, random, signal, subprocess, sys, threading, time, urllib.parse
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

p = argparse.ArgumentParser()
p.add_argument("--vigil", required=True)
p.add_argument("--work", required=True)
p.add_argument("--database-url", required=True)
p.add_argument("--key", required=True)
p.add_argument("--images", required=True, help="folder of benign JPEGs; the first half go into the match bank")
p.add_argument("--minutes", type=float, default=60)
p.add_argument("--peak-seconds", type=float, default=60)
p.add_argument("--fraction", type=float, default=0.8)
p.add_argument("--kills", type=int, default=2)
p.add_argument("--import-hashes", type=int, default=1_000_000)
p.add_argument("--lb", default="127.0.0.1:18180")
p.add_argument("--ports", default="18181,18182")
p.add_argument("--cybertipline", required=True, help="the CyberTipline mock's base URL")
p.add_argument("--hash-sharing", required=True, help="the hash-sharing mock's base URL")
p.add_argument("--origin-port", type=int, default=18183)
p.add_argument("--hook-port", type=int, default=18184)
a = p.parse_args()

KEY = a.key
LB_HOST, LB_PORT = a.lb.split(":")
PORTS = [int(x) for x in a.ports.split(",")]
HOOK_SECRET = "soak-hook-signing-secret"
T0 = time.monotonic()
def now(): return time.monotonic() - T0
def log(*words): print(f"[{now():7.1f}s]", *words, flush=True)

# ---------------------------------------------------------------------------- HTTP
local = threading.local()
def connection(host=LB_HOST, port=LB_PORT):
    key = (host, int(port))
    pool = getattr(local, "pool", None)
    if pool is None:
        pool = local.pool = {}
    if key not in pool:
        pool[key] = http.client.HTTPConnection(host, int(port), timeout=60)
    return pool[key]

def call(method, path, body=None, content_type="application/json", host=LB_HOST, port=LB_PORT, timeout=60):
    """(status, body bytes); an exception is status 0 with its text."""
    headers = {"Authorization": f"Bearer {KEY}"}
    if body is not None:
        headers["Content-Type"] = content_type
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
    for attempt in (1, 2):
        c = connection(host, port)
        try:
            c.timeout = timeout
            c.request(method, path, body=body, headers=headers)
            r = c.getresponse()
            data = r.read()
            if r.getheader("Connection", "").lower() == "close":
                c.close(); local.pool.pop((host, int(port)), None)
            return r.status, data
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as e:
            # A keep-alive connection nginx closed while idle: reconnect once (nothing was answered).
            c.close(); local.pool.pop((host, int(port)), None)
            if attempt == 2 or not isinstance(e, http.client.RemoteDisconnected):
                return 0, str(e).encode()
        except Exception as e:  # noqa: BLE001 — every failure is counted, with its words
            c.close(); local.pool.pop((host, int(port)), None)
            return 0, f"{type(e).__name__}: {e}".encode()
    return 0, b"unreachable"

def must(status_body, *ok):
    status, body = status_body
    if status not in (ok or (200, 201, 202, 204)):
        raise SystemExit(f"setup call failed: {status} {body[:400]!r}")
    return json.loads(body) if body else {}

def psql(sql):
    out = subprocess.run(["psql", a.database_url, "-tAc", sql], capture_output=True, text=True, check=True)
    return out.stdout.strip()

# ---------------------------------------------------------------------------- local receivers
class Quiet(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args): pass

images = sorted(os.path.join(a.images, f) for f in os.listdir(a.images) if f.endswith(".jpg"))
image_bytes = {os.path.basename(f): open(f, "rb").read() for f in images}
matching = [os.path.basename(f) for f in images[: len(images) // 2]]
other = [os.path.basename(f) for f in images[len(images) // 2:]]

class Origin(Quiet):
    def do_GET(self):
        body = image_bytes.get(self.path.lstrip("/").split("?")[0])
        if body is None:
            self.send_response(404); self.send_header("Content-Length", "0"); self.end_headers(); return
        self.send_response(200); self.send_header("Content-Type", "image/jpeg"); self.send_header("Content-Length", str(len(body)))
        self.end_headers(); self.wfile.write(body)

deliveries = []            # (delivery id, signature valid)
deliveries_lock = threading.Lock()
class Hook(Quiet):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        signature = self.headers.get("Vigil-Signature", "")
        event = json.loads(body or b"{}")
        with deliveries_lock:
            deliveries.append((event.get("id", ""), verify(signature, body)))
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()

def verify(header, body):
    # Vigil-Signature: t=UNIX,v1=HEX(HMAC-SHA256(secret, "t.body")) (docs/webhooks).
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    if "t" not in parts or "v1" not in parts: return False
    expected = hmac.new(HOOK_SECRET.encode(), parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])

class Receiver(ThreadingHTTPServer):
    # A replica killed with `kill -9` resets its keep-alive connections to these receivers: that is
    # the soak working, not an error (socketserver would print a traceback, which the smoke fails on).
    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)): return
        super().handle_error(request, client_address)

for port, handler in ((a.origin_port, Origin), (a.hook_port, Hook)):
    server = Receiver(("127.0.0.1", port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
origin = f"http://127.0.0.1:{a.origin_port}"

# ---------------------------------------------------------------------------- replicas
class Replica:
    def __init__(self, name, port):
        self.name, self.port, self.process, self.started, self.ready_at = name, port, None, None, None
        self.log = open(os.path.join(a.work, f"{name}.log"), "ab")
    def start(self):
        self.process = subprocess.Popen(
            [a.vigil, "serve", "--data-dir", os.path.join(a.work, self.name), "--port", str(self.port), "--database-url", a.database_url,
             "--no-demo-bank", "--fetch-allow", "127.0.0.0/8", "--log-level", "warning"],
            stdout=self.log, stderr=self.log)
        self.started = now(); self.ready_at = None
    def wait_ready(self):
        while True:
            if self.process.poll() is not None: raise SystemExit(f"replica {self.name} exited ({self.process.returncode}); see {self.name}.log")
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/status/ready"); r = c.getresponse(); r.read(); c.close()
                if r.status == 200: self.ready_at = now(); return
            except OSError:
                pass
            time.sleep(0.05)
    def kill9(self):
        self.process.send_signal(signal.SIGKILL); self.process.wait()
    def rss_mb(self, field="VmRSS"):
        # VmRSS = RssAnon (the heap, stacks: what a leak grows) + RssFile (the binary's pages as
        # code paths are first run: shared, and given back under memory pressure) + RssShmem.
        try:
            with open(f"/proc/{self.process.pid}/status") as f:
                for line in f:
                    if line.startswith(field + ":"): return int(line.split()[1]) / 1024
        except OSError:
            return None

replicas = [Replica("a", PORTS[0]), Replica("b", PORTS[1])]

# ---------------------------------------------------------------------------- setup
def hash_of(path):
    out = subprocess.run([a.vigil, "hash", path], capture_output=True, text=True, check=True).stdout
    return out.split(",")[0].strip()

def setup():
    must(call("POST", "/v1/banks", {"name": "SOAK"}), 201)
    entries = [{"pdq": hash_of(os.path.join(a.images, name))} for name in matching]
    rng = random.Random(7)
    hits = [f"{rng.getrandbits(256):064x}" for _ in range(1000)]
    entries += [{"pdq": h} for h in hits]
    must(call("POST", "/v1/banks/SOAK/entries", {"entries": entries}))
    must(call("POST", "/v1/banks", {"name": "BIG"}), 201)
    hook = must(call("POST", "/v1/credentials", {"integration": "webhook", "values": {
        "nickname": "soak receiver", "url": f"http://127.0.0.1:{a.hook_port}/hook", "signing_secret": HOOK_SECRET}}), 201)
    must(call("POST", "/v1/credentials", {"integration": "ncmec_cybertipline", "values": {
        "nickname": "mock", "username": "esp-user", "password": "esp-password", "endpoint": a.cybertipline}}), 201)
    must(call("PUT", "/v1/report-settings", {"esp_service": "ExampleApp", "reporter": {"email": "trust-safety@example.com"}}))
    sharing = must(call("POST", "/v1/credentials", {"integration": "ncmec_hash_sharing", "values": {
        "nickname": "mock", "username": "esp-user", "password": "esp-password", "endpoint": a.hash_sharing}}), 201)
    must(call("POST", "/v1/banks", {"name": "NCMEC"}), 201)
    must(call("PUT", "/v1/banks/NCMEC/source", {"kind": "ncmec", "credential": sharing["id"], "interval_seconds": 300}))
    workflow = must(call("POST", "/v1/workflows", {
        "name": "soak", "trigger": {"type": "api", "parameters": [
            {"name": "image_url", "type": "url", "required": True}, {"name": "account_reference_id", "type": "text"}]},
        "steps": [
            {"id": "lookup", "type": "action", "integration": "vigil", "operation": "match_lookup",
             "inputs": {"image_url": "{{ trigger.image_url }}", "account_reference_id": "{{ trigger.account_reference_id }}"},
             "retry": {"attempts": 3, "backoff_seconds": 1}},
            {"id": "decide", "type": "conditional", "branches": [{"name": "matched", "condition": "steps.lookup.output.is_match", "steps": [
                {"id": "open_case", "type": "action", "action": "case.create",
                 "inputs": {"title": "soak match", "queue": "csam", "provider": "vigil", "matches": "{{ steps.lookup.output.matches }}",
                            "image_url": "{{ trigger.image_url }}", "account_reference_id": "{{ trigger.account_reference_id }}"},
                 "retry": {"attempts": 5, "backoff_seconds": 1}},
                {"id": "block_account", "type": "action", "action": "account.block",
                 "inputs": {"reference_id": "{{ trigger.account_reference_id }}", "reason": "soak"}, "retry": {"attempts": 5, "backoff_seconds": 1}},
                {"id": "notify", "type": "action", "action": "notify.webhook", "credential": hook["id"],
                 "inputs": {"event_type": "match.found", "data": {"case_id": "{{ steps.open_case.output.case_id }}"}},
                 "retry": {"attempts": 8, "backoff_seconds": 1}}]}]}]}), 201)
    must(call("POST", f"/v1/workflows/{workflow['id']}/publish", {}), 201)
    return hits

# ---------------------------------------------------------------------------- the load
results = []               # (start, end, kind, status, detail)
results_lock = threading.Lock()
run_ids, run_lock = [], threading.Lock()
run_counter = [0]
rng_lock = threading.Lock()
rng = random.Random(2026)

def record(start, kind, status, body):
    end = now()
    ok = status in (200, 201, 202)
    with results_lock:
        results.append((start, end, kind, status, None if ok else body[:300].decode("utf-8", "replace")))

def op_hash(hits):
    with rng_lock:
        pdq = rng.choice(hits) if rng.random() < 0.5 else f"{rng.getrandbits(256):064x}"
    start = now(); status, body = call("GET", f"/m/lookup?signal_type=pdq&signal={pdq}"); record(start, "hash_lookup", status, body)

def op_image(_):
    with rng_lock:
        name = rng.choice(matching if rng.random() < 0.5 else other)
    start = now(); status, body = call("POST", "/v1/match", image_bytes[name], "image/jpeg"); record(start, "image_lookup", status, body)

def op_run(_):
    with rng_lock:
        name = rng.choice(matching if rng.random() < 0.5 else other)
        run_counter[0] += 1; n = run_counter[0]
    start = now()
    status, body = call("POST", "/v1/workflows/soak/runs", {"image_url": f"{origin}/{name}", "account_reference_id": f"soak-{n}"})
    record(start, "workflow_run", status, body)
    if status == 201:
        with run_lock: run_ids.append(json.loads(body)["id"])

MIX = [(op_hash, 0.75), (op_image, 0.20), (op_run, 0.05)]
def pick():
    with rng_lock: x = rng.random()
    for op, weight in MIX:
        if x < weight: return op
        x -= weight
    return MIX[0][0]

def measure_peak(hits, seconds, threads=16):
    stop = threading.Event(); count = [0]; lock = threading.Lock()
    def worker():
        while not stop.is_set():
            pick()(hits)
            with lock: count[0] += 1
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool: t.start()
    time.sleep(seconds); stop.set()
    for t in pool: t.join()
    return count[0] / seconds

def paced(hits, rate, seconds, stop):
    """Open loop: operations sent at `rate` per second whatever the answers take."""
    pool = ThreadPoolExecutor(max_workers=48)
    pending = [0]; lock = threading.Lock(); late = [0]
    def run(op):
        try: op(hits)
        finally:
            with lock: pending[0] -= 1
    start = time.monotonic(); sent = 0
    while not stop.is_set() and time.monotonic() - start < seconds:
        due = start + sent / rate
        wait = due - time.monotonic()
        if wait > 0: time.sleep(min(wait, 0.05)); continue
        with lock:
            if pending[0] > 400: late[0] += 1; sent += 1; continue  # the driver is behind: skipped, counted
            pending[0] += 1
        pool.submit(run, pick()); sent += 1
    pool.shutdown(wait=True)
    return sent, late[0]

# ---------------------------------------------------------------------------- side tasks
reports, report_lock = [], threading.Lock()
def one_report(n):
    case = must(call("POST", "/v1/cases", {"title": f"soak report {n}"}), 201)
    name = random.choice(matching)
    must(call("POST", f"/v1/cases/{case['id']}/evidence?file_name={name}", image_bytes[name], "image/jpeg"), 201)
    report = must(call("POST", f"/v1/cases/{case['id']}/reports", {}), 201)
    must(call("POST", f"/v1/reports/{report['id']}/approve", {}), 202)
    with report_lock: reports.append(report["id"])

def reporter(stop):
    n = 0
    while not stop.wait(0 if n == 0 else 60):
        n += 1
        try: one_report(n)
        except SystemExit as e:
            with results_lock: results.append((now(), now(), "report", 0, str(e)[:300]))

def make_import_file(path, n):
    rng = random.Random(99)
    with open(path, "w") as f:
        f.write("pdq\n")
        for _ in range(n): f.write(f"{rng.getrandbits(256):064x}\n")

import_job = {}
def importer(path):
    start = now()
    with open(path, "rb") as f: body = f.read()
    status, answer = call("POST", "/v1/banks/BIG/import?format=csv", body, "text/csv", timeout=600)
    record(start, "import", status, answer)
    if status == 202: import_job.update(json.loads(answer)); import_job["started"] = start

samples = []               # (t, replica, rss MB, lag seconds, ready, malloc in use MB, anonymous rss MB, file-backed rss MB; None where unread)
def sampler(stop):
    while not stop.wait(5):
        for r in replicas:
            lag = None; ready = False; in_use = None
            try:
                c = http.client.HTTPConnection("127.0.0.1", r.port, timeout=5)
                c.request("GET", "/status/ready"); resp = c.getresponse(); resp.read(); ready = resp.status == 200
                c.request("GET", "/metrics", headers={"Authorization": f"Bearer {KEY}"}); resp = c.getresponse(); text = resp.read().decode()
                c.close()
                for line in text.splitlines():
                    if line.startswith("vigil_change_log_lag_seconds"): lag = float(line.split()[-1])
                    if line.startswith('vigil_malloc_memory_bytes{kind="in_use"}'): in_use = float(line.split()[-1]) / 2**20
            except OSError:
                pass
            samples.append((now(), r.name, r.rss_mb(), lag, ready, in_use, r.rss_mb("RssAnon"), r.rss_mb("RssFile")))

# ---------------------------------------------------------------------------- the run
def main():
    os.makedirs(a.work, exist_ok=True)
    for r in replicas: r.start()
    for r in replicas: r.wait_ready()
    log("both replicas ready")
    hits = setup()
    log("set up: banks, credentials, the soak workflow, the hash-sharing source")
    import_path = os.path.join(a.work, "import.csv")
    make_import_file(import_path, a.import_hashes)

    log(f"measuring the peak for {a.peak_seconds:.0f} s (16 clients, closed loop; mix {[(op.__name__, w) for op, w in MIX]})")
    peak = measure_peak(hits, a.peak_seconds)
    rate = peak * a.fraction
    log(f"peak {peak:.0f} operations/s; the soak runs at {rate:.0f}/s for {a.minutes:.0f} min")
    with results_lock: results.clear()
    soak_start = now()
    stop = threading.Event()
    side = [threading.Thread(target=reporter, args=(stop,)), threading.Thread(target=sampler, args=(stop,))]
    for t in side: t.start()
    seconds = a.minutes * 60
    kills = [seconds * (i + 1) / (a.kills + 1) for i in range(a.kills)]
    kill_times = []
    def chaos():
        time.sleep(min(30, seconds / 10)); importer(import_path)
        for at in kills:
            if stop.wait(max(0, soak_start + at - now())): return
            victim = replicas[1]
            t = now(); victim.kill9(); kill_times.append(t); log(f"kill -9 replica {victim.name}")
            time.sleep(5); victim.start(); victim.wait_ready(); log(f"replica {victim.name} ready again after {now() - t:.1f} s")
    chaos_thread = threading.Thread(target=chaos); chaos_thread.start()
    sent, late = paced(hits, rate, seconds, stop)
    stop.set()
    for t in side + [chaos_thread]: t.join()
    soak_end = now()
    log(f"load stopped: {sent} operations sent, {late} skipped because the driver fell behind")

    # Let the queue drain, then count.
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        left = psql("SELECT count(*) FROM jobs WHERE state IN ('queued','running') AND kind <> 'bank.sync'")
        if left == "0": break
        time.sleep(2)
    drained = now()
    report(peak, rate, sent, late, soak_start, soak_end, drained, kill_times)

def report(peak, rate, sent, late, soak_start, soak_end, drained, kill_times):
    print("\n== soak: figures", flush=True)
    duration = soak_end - soak_start
    by_kind = {}
    for start, end, kind, status, detail in results:
        by_kind.setdefault(kind, [0, 0, []]); by_kind[kind][0] += 1
        if detail is not None: by_kind[kind][1] += 1; by_kind[kind][2].append((start, end, status, detail))
    print(f"peak (16 clients, closed loop): {peak:.0f} ops/s; soak rate {rate:.0f} ops/s ({a.fraction:.0%}) for {duration / 60:.1f} min;"
          f" achieved {(sent - late) / duration:.0f} ops/s ({(sent - late) / duration / peak:.0%} of the peak): {late} of {sent} scheduled"
          f" were skipped because 400 were already waiting for an answer")
    killed, other = [], []
    for kind, (n, failed, errors) in sorted(by_kind.items()):
        for start, end, status, detail in errors:
            # The killed replica's: under way when it died, or sent by nginx on a connection to it
            # that was already dead (a POST is not re-sent once it reached a replica).
            near = any(start <= k + 0.5 and end >= k - 0.05 and end <= k + 3 for k in kill_times)
            (killed if near and status in (0, 502, 504) else other).append((kind, start, status, detail))
        print(f"  {kind:13} {n:8} requests, {failed} failed")
    print(f"errors from the killed replica's in-flight requests: {len(killed)}")
    print(f"other errors: {len(other)}")
    for kind, start, status, detail in other[:20]: print(f"    {kind} at {start:.1f}s: {status} {detail}")

    # Side effects, counted in the database and at the receivers.
    with run_lock: asked = list(run_ids)
    states = dict(line.split("|") for line in psql(
        "SELECT r.status, count(*) FROM workflow_runs r JOIN workflows w ON w.id = r.workflow_id WHERE w.name = 'soak' GROUP BY r.status").splitlines() if line)
    stored = sum(int(v) for v in states.values())
    matched = int(psql("SELECT count(*) FROM workflow_runs r JOIN workflows w ON w.id = r.workflow_id JOIN workflow_steps s ON s.run_id = r.id "
                       "WHERE w.name = 'soak' AND s.step_id = 'open_case' AND s.status = 'succeeded'") or 0)
    cases = int(psql("SELECT count(*) FROM cases WHERE title = 'soak match'"))
    with deliveries_lock: got = list(deliveries)
    ids = {d for d, _ in got}
    stored_ids = set(int(x) for x in psql("SELECT r.id FROM workflow_runs r JOIN workflows w ON w.id = r.workflow_id WHERE w.name = 'soak'").split())
    print(f"workflow runs: {len(asked)} accepted (201), {stored} stored {states}; accepted but not stored: {len(set(asked) - stored_ids)}")
    print(f"cases opened by runs: {cases} for {matched} matching runs (duplicates: {cases - matched})")
    print(f"webhook deliveries: {len(got)} received, {len(ids)} distinct for {matched} matching runs (missing: {matched - len(ids & {f'wfrun-{i}-notify' for i in asked}) if matched else 0}, "
          f"repeated: {len(got) - len(ids)}, unsigned: {sum(1 for _, ok in got if not ok)})")
    with report_lock: made = list(reports)
    finished = psql(f"SELECT count(*) FROM reports WHERE id IN ({','.join(map(str, made)) or '0'}) AND state = 'finished'")
    distinct = psql(f"SELECT count(DISTINCT ncmec_report_id) FROM reports WHERE id IN ({','.join(map(str, made)) or '0'})")
    c = http.client.HTTPConnection(urllib.parse.urlsplit(a.cybertipline).hostname, urllib.parse.urlsplit(a.cybertipline).port)
    c.request("GET", "/mock/reports", headers={"Authorization": "Basic " + base64.b64encode(b"esp-user:esp-password").decode()})
    mock = json.loads(c.getresponse().read())
    print(f"reports: {len(made)} approved, {finished} finished, {distinct} distinct NCMEC ids; the mock holds {mock}")
    big = json.loads(call("GET", "/v1/banks/BIG", port=PORTS[0], host="127.0.0.1")[1] or b"{}").get("entry_count")
    print(f"import: {big} of {a.import_hashes} hashes in BIG (job {import_job.get('id')})")
    ncmec = json.loads(call("GET", "/v1/banks/NCMEC/source", port=PORTS[0], host="127.0.0.1")[1] or b"{}")
    print(f"hash-sharing sync: {ncmec.get('last_outcome')}; NCMEC bank: "
          f"{json.loads(call('GET', '/v1/banks/NCMEC', port=PORTS[0], host='127.0.0.1')[1] or b'{}').get('entry_count')} entries")

    # Memory after the first 5 minutes, and lag; every sample is kept in samples.csv. Resident
    # memory moves with the load and with the allocator's trims (every 30 s), so growth is the
    # mean of the last 5 minutes against the mean of the first 5 after the 5-minute mark (or the
    # replica's last start), each over 60 samples; first and last single samples are printed too.
    with open(os.path.join(a.work, "samples.csv"), "w") as f:
        f.write("seconds,replica,rss_mb,lag_seconds,ready,malloc_in_use_mb,rss_anon_mb,rss_file_mb\n")
        for t, name, rss, lag, ready, in_use, anon, file in samples:
            mb = lambda v: '' if v is None else f'{v:.1f}'
            f.write(f"{t:.1f},{name},{mb(rss)},{'' if lag is None else lag},{int(ready)},{mb(in_use)},{mb(anon)},{mb(file)}\n")
    for r in replicas:
        series = [(t, rss) for t, name, rss, *_ in samples if name == r.name and rss is not None]
        marks = [min(series, key=lambda s: abs(s[0] - (soak_start + m * 60)), default=None) for m in range(0, int(duration / 60) + 1, 5)]
        print(f"replica {r.name}: RSS every 5 min (MB): " + " ".join(f"{v:.0f}" for _, v in [m for m in marks if m]))
        since = max(soak_start + 300, (r.started or 0) + 300)
        for label, column in (("RSS", 2), ("anonymous RSS", 6), ("file-backed RSS", 7), ("malloc in use", 5)):
            series = [(row[0], row[column]) for row in samples if row[1] == r.name and row[column] is not None and row[0] >= since]
            if len(series) < 2:
                print(f"replica {r.name}: fewer than 2 {label} samples 5 minutes after its last start"); continue
            end = series[-1][0]
            head = [v for t, v in series if t < series[0][0] + 300]
            tail = [v for t, v in series if t > end - 300]
            first, last = sum(head) / len(head), sum(tail) / len(tail)
            if first <= 0:
                print(f"replica {r.name}: no {label} figure (0 MB: not glibc?)"); continue
            print(f"replica {r.name}: {label} {first:.0f} MB (mean of {len(head)} samples from {series[0][0] / 60:.1f} min) → {last:.0f} MB "
                  f"(mean of the last {len(tail)}): {(last - first) / first:+.1%}; single samples {series[0][1]:.0f} → {series[-1][1]:.0f} MB, "
                  f"max {max(v for _, v in series):.0f} MB")
        lags = sorted(lag for t, name, _, lag, ready, *_ in samples if name == r.name and ready and lag is not None)
        if lags:
            print(f"replica {r.name}: change-log lag max {lags[-1]:.3f} s, p99 {lags[math.ceil(len(lags) * 0.99) - 1]:.3f} s, median {lags[len(lags) // 2]:.3f} s; "
                  f"over 1 s in {sum(1 for v in lags if v > 1)} of {len(lags)} samples (every 5 s, while ready)")
    print(f"queue drained {drained - soak_end:.0f} s after the load stopped")

def stop_replicas():
    for r in replicas:
        if r.process is not None and r.process.poll() is None:
            r.process.terminate()
            try: r.process.wait(timeout=30)
            except subprocess.TimeoutExpired: r.process.kill()

def ports_free():
    import socket
    # (The receivers here bound their ports already: a port in use failed them at start.)
    for port in PORTS:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                raise SystemExit(f"port {port} is already in use: another server would be measured (stop it first)")

ports_free()
try:
    main()
finally:
    stop_replicas()
