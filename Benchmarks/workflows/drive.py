#!/usr/bin/env python3
"""Starts N runs of a workflow through the API with C clients at once, waits for every run to
finish, and prints runs/s (first start → last finish) with the p50/p99 of each run's time from
its trigger (created_at) to its end (finished_at).

    drive.py BASE KEY WORKFLOW N C IMAGE_URL [UNMATCHED_URL]
"""
import json, sys, time, threading, urllib.request, urllib.parse

base, key, workflow, n, c, image = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
unmatched = sys.argv[7] if len(sys.argv) > 7 else image
path = urllib.parse.quote(workflow)

def call(method, url, body=None):
    request = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())

ids, lock = [], threading.Lock()
def client(count, offset):
    for i in range(count):
        # Half the uploads match (a case would be opened), half do not.
        url = image if (offset + i) % 2 == 0 else unmatched
        run = call("POST", f"{base}/v1/workflows/{path}/runs", {"image_url": url, "account_reference_id": f"user-{offset + i}"})
        with lock:
            ids.append(run["id"])

start = time.time()
threads = [threading.Thread(target=client, args=(n // c + (1 if k < n % c else 0), k * (n // c + 1))) for k in range(c)]
for t in threads: t.start()
for t in threads: t.join()
submitted = time.time()
def every_run():
    found, before = [], None
    while True:
        page = call("GET", f"{base}/v1/workflows/{path}/runs?limit=1000" + (f"&before={before}" if before else ""))
        found += page["runs"]
        before = page.get("next_before")
        if not before or before < min(ids): return found

wanted, runs = set(ids), []
while True:
    mine = [r for r in every_run() if r["id"] in wanted]
    if len(mine) == len(ids) and all(r["status"] in ("succeeded", "failed", "cancelled") for r in mine):
        runs = mine
        break
    time.sleep(0.1)
end = max(time.mktime(time.strptime(r["finished_at"][:19], "%Y-%m-%dT%H:%M:%S")) + float("0." + (r["finished_at"][20:-1] or "0")) for r in runs)
failed = [r for r in runs if r["status"] != "succeeded"]
latencies = sorted(r["duration_ms"] for r in runs)
def pct(p): return latencies[min(len(latencies) - 1, int(round(p / 100 * (len(latencies) - 1))))]
elapsed = max(end, submitted) - start
print(f"RESULT runs={len(runs)} failed={len(failed)} clients={c} runs/s={len(runs) / elapsed:.1f} "
      f"trigger→finished p50={pct(50)} ms p99={pct(99)} ms max={latencies[-1]} ms")
