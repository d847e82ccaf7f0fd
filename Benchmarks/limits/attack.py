#!/usr/bin/env python3
"""The resource attacks of issue 28 against one running `vigil serve`, each measured.

attack.py BASE KEY PID what   (what: json | images IMAGE | slowbody | needle)
Prints one line: what was measured. Memory is the server's peak resident set (VmHWM), reset
before each attack where the kernel allows it (/proc/PID/clear_refs 5).
"""
import json, socket, sys, threading, time, urllib.request

base, key, pid, what = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
host, port = base.split("//")[1].split(":")[0], int(base.rsplit(":", 1)[1])

def hwm():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM"): return int(line.split()[1]) * 1024
def rss():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS"): return int(line.split()[1]) * 1024
def reset_hwm():
    try:
        open(f"/proc/{pid}/clear_refs", "w").write("5")
    except OSError:
        pass

def post(path, body, ctype, timeout=600):
    req = urllib.request.Request(base + path, data=body, method="POST",
                                 headers={"Authorization": "Bearer " + key, "Content-Type": ctype})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r: return r.status, r.read()
    except urllib.error.HTTPError as e: return e.code, e.read()
    except Exception as e: return str(e)[:60], b""

def concurrently(n, fn):
    out = [None] * n
    ts = [threading.Thread(target=lambda i=i: out.__setitem__(i, fn())) for i in range(n)]
    start = time.time()
    for t in ts: t.start()
    for t in ts: t.join()
    return out, time.time() - start

before = rss(); reset_hwm()
if what == "json":
    body = json.dumps({"url": "a" * (32 << 20)}).encode()
    out, took = concurrently(4, lambda: post("/v1/match", body, "application/json")[0])
    print(f"4 × 32 MB JSON to /v1/match: statuses {sorted(map(str, out))}, {took:.2f} s, peak RSS {hwm()/1e6:.0f} MB (idle {before/1e6:.0f} MB)")
elif what == "images":
    image = open(sys.argv[5], "rb").read()
    out, took = concurrently(4, lambda: post("/v1/match", image, "image/jpeg")[0])
    print(f"4 × 100-megapixel JPEG to /v1/match: statuses {sorted(map(str, out))}, {took:.2f} s, peak RSS {hwm()/1e6:.0f} MB (idle {before/1e6:.0f} MB)")
elif what == "slowbody":
    s = socket.create_connection((host, port))
    s.sendall(f"POST /v1/match HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\nContent-Type: image/jpeg\r\nContent-Length: 1000\r\n\r\n".encode())
    start = time.time(); s.settimeout(1)
    while time.time() - start < 60:
        try:
            data = s.recv(100)
            if not data or data: break
        except socket.timeout:
            if int(time.time() - start) % 20 == 0: s.sendall(b"\xff")
    open_for = time.time() - start
    print(f"a body at 1 byte per 20 s: " + (f"closed after {open_for:.1f} s" if open_for < 60 else "still open after 60 s"))
elif what == "needle":
    needle = "a" * 1000 + "b"
    definition = {"name": "needle-" + str(time.time()), "trigger": {"type": "api", "parameters": [{"name": "t", "type": "text", "max_length": 1 << 20}]},
                  "steps": [{"id": "look", "type": "conditional", "branches": [{"condition": f"'{needle}' in trigger.t", "steps": []}], "else": []}]}
    status, body = post("/v1/workflows", json.dumps(definition).encode(), "application/json")
    wid = json.loads(body)["id"]
    post(f"/v1/workflows/{wid}/publish", b"", "application/json")
    start = time.time()
    runs = [json.loads(post(f"/v1/workflows/{wid}/runs", json.dumps({"t": "a" * ((1 << 20) - 64)}).encode(), "application/json")[1])["id"] for _ in range(2)]
    while True:
        states = []
        for r in runs:
            req = urllib.request.Request(f"{base}/v1/workflow-runs/{r}", headers={"Authorization": "Bearer " + key})
            states.append(json.loads(urllib.request.urlopen(req).read())["status"])
        if all(s in ("succeeded", "failed") for s in states) or time.time() - start > 300: break
        time.sleep(0.05)
    print(f"2 runs of `'a…b' in trigger.t` over 1 MB: {states} in {time.time() - start:.2f} s")
