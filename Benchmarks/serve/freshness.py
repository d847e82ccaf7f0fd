#!/usr/bin/env python3
"""How long after a write every replica matches it.

Usage: freshness.py KEY WRITER_URL READER_URL [READER_URL ...] [--samples N] [--cli VIGIL ARGS...]

For each sample: a random PDQ hash is written through WRITER_URL (POST /v1/banks/FRESH/entries),
or, with --cli, by `VIGIL bank import FRESH file.csv ARGS...` in a separate process; the clock
starts when the write returns, and each reader is polled (GET /m/lookup, every 2 ms) until it
matches. Prints p50/p99/max per reader, in milliseconds.
"""
import json, os, random, subprocess, sys, tempfile, time, urllib.request

def call(method, url, key, body=None):
    request = urllib.request.Request(url, method=method, data=body, headers={"Authorization": f"Bearer {key}"})
    if body is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()

def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

def main():
    args = sys.argv[1:]
    samples, cli = 50, None
    if "--samples" in args:
        i = args.index("--samples"); samples = int(args[i + 1]); del args[i:i + 2]
    if "--cli" in args:
        i = args.index("--cli"); cli = args[i + 1:]; del args[i:]
    key, writer, readers = args[0], args[1], args[2:]
    call("POST", f"{writer}/v1/banks", key, json.dumps({"name": "FRESH"}).encode())
    lags = {reader: [] for reader in readers}
    for n in range(samples):
        pdq = "%064x" % random.getrandbits(256)
        if cli:
            with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
                f.write(f"pdq\n{pdq}\n")
            subprocess.run([cli[0], "bank", "import", "FRESH", f.name, "--format", "csv"] + cli[1:], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            os.unlink(f.name)
        else:
            status, text = call("POST", f"{writer}/v1/banks/FRESH/entries", key, json.dumps({"entries": [{"pdq": pdq}]}).encode())
            assert status in (200, 201), text
        start = time.monotonic()
        pending = set(readers)
        while pending:
            for reader in list(pending):
                status, text = call("GET", f"{reader}/m/lookup?signal_type=pdq&signal={pdq}", key)
                if status == 200 and "FRESH" in text:
                    lags[reader].append((time.monotonic() - start) * 1000)
                    pending.discard(reader)
            if time.monotonic() - start > 10:
                sys.exit(f"sample {n}: {sorted(pending)} did not match within 10 s")
            time.sleep(0.002)
    for reader, values in lags.items():
        print(f"RESULT reader={reader} samples={len(values)} p50_ms={percentile(values, 50):.1f} "
              f"p99_ms={percentile(values, 99):.1f} max_ms={max(values):.1f}")

main()
