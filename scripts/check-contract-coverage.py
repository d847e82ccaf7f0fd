#!/usr/bin/env python3
"""Every operation of the OpenAPI document was reached by an API test (whose answer was then
checked against the document): reads the log the tests wrote (one `METHOD /template STATUS` line
per answer) and names any operation no test reached.
  scripts/check-contract-coverage.py LOG"""
import json, pathlib, sys

root = pathlib.Path(__file__).resolve().parent.parent
document = json.loads((root / "Sources/VigilServer/Resources/openapi.json").read_text())
operations = {(method.upper(), path) for path, item in document["paths"].items()
              for method in item if method in ("get", "post", "put", "patch", "delete")}
answers = [line.split() for line in open(sys.argv[1]) if line.strip()]
reached = {(parts[0], parts[1]) for parts in answers}
pairs = {(parts[0], parts[1], parts[2]) for parts in answers}
missing = sorted(operations - reached)
if missing:
    print(f"{len(missing)} documented operation(s) reached by no API test, so their answers are unchecked:")
    for method, path in missing: print(f"   {method} {path}")
    sys.exit(1)
print(f"the API tests reached all {len(operations)} documented operations ({len(pairs)} operation-status pairs), each answer checked")
