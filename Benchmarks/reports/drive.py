#!/usr/bin/env python3
"""Drives the CyberTipline report benchmark against a running `vigil serve` and mock.

latency BASE KEY IMAGES_DIR ROUNDS      one report at a time: approval -> finished (ms)
throughput BASE KEY IMAGES_DIR REPORTS  that many approved at once: reports completed per minute
Each report is a case with every image of IMAGES_DIR (10 distinct JPEGs) as evidence.
"""
import json, os, sys, time, urllib.request

def call(base, key, method, path, body=None, content_type="application/json"):
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"Authorization": "Bearer " + key, "Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")

def drafted_report(base, key, images):
    status, case = call(base, key, "POST", "/v1/cases", {"title": "benchmark"})
    assert status == 201, case
    for index, image in enumerate(images):
        status, body = call(base, key, "POST", f"/v1/cases/{case['id']}/evidence?file_name=IMG_{index:04d}.jpg", image, "image/jpeg")
        assert status == 201, body
    status, report = call(base, key, "POST", f"/v1/cases/{case['id']}/reports", {"classification": "A1"})
    assert status == 201 and len(report["files"]) == len(images), report
    return report

def wait_finished(base, key, ids, deadline=600):
    start = time.monotonic()
    pending = set(ids)
    while pending and time.monotonic() - start < deadline:
        for id in list(pending):
            status, report = call(base, key, "GET", f"/v1/reports/{id}")
            if report.get("state") == "finished":
                pending.discard(id)
            elif report.get("state") == "failed":
                sys.exit(f"report {id} failed: {report.get('problem')}")
        if pending:
            time.sleep(0.005)
    if pending:
        sys.exit(f"{len(pending)} reports did not finish")

def main():
    mode, base, key, directory, count = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
    images = [open(os.path.join(directory, name), "rb").read() for name in sorted(os.listdir(directory))]
    if mode == "latency":
        times = []
        for _ in range(count):
            report = drafted_report(base, key, images)
            start = time.monotonic()
            status, body = call(base, key, "POST", f"/v1/reports/{report['id']}/approve", {"version": report["version"]})
            assert status == 202, body
            wait_finished(base, key, [report["id"]])
            times.append((time.monotonic() - start) * 1000)
        times.sort()
        print(f"  {len(images)} files, approval -> finished: p50 {times[len(times) // 2]:.0f} ms, min {times[0]:.0f} ms, max {times[-1]:.0f} ms ({count} reports)")
    else:
        reports = [drafted_report(base, key, images) for _ in range(count)]
        start = time.monotonic()
        for report in reports:
            status, body = call(base, key, "POST", f"/v1/reports/{report['id']}/approve", {"version": report["version"]})
            assert status == 202, body
        wait_finished(base, key, [r["id"] for r in reports])
        elapsed = time.monotonic() - start
        print(f"  {count} reports of {len(images)} files approved at once: all finished in {elapsed:.2f} s = {count / elapsed * 60:.0f} reports/min")

main()
