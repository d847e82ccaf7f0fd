#!/usr/bin/env python3
"""Package.swift declares exactly what each target imports: every module a target imports is one
of its declared dependencies, and every declared dependency is imported somewhere in it (so the
manifest says what a module is built from, and no module leans on what another one pulled in).
C system libraries, which a shim includes rather than imports, and the platform's own modules are
left out. Run by `make test`; exits 1 listing the differences.
  scripts/check-imports.py   (from the repository root; needs `swift`)"""
import glob, json, os, re, subprocess, sys

PLATFORM = {"Foundation", "FoundationEssentials", "FoundationNetworking", "FoundationXML", "Glibc", "Musl", "Darwin",
            "Dispatch", "Synchronization", "Testing", "XCTest", "_Concurrency", "os", "CoreFoundation",
            "_Builtin_intrinsics"}  # the compiler's own CPU intrinsics (PDQ's AVX2 transposes)
IMPORT = re.compile(r"^\s*(?:@[A-Za-z_]+(?:\([^)]*\))?\s+)*(?:public |package |internal |private |fileprivate )?"
                    r"import (?:struct |class |enum |func |protocol |typealias |var |let )?([A-Za-z_][A-Za-z0-9_]*)")

package = json.loads(subprocess.run([os.environ.get("SWIFT", "swift"), "package", "dump-package"], check=True, capture_output=True, text=True).stdout)
system = {t["name"] for t in package["targets"] if t["type"] == "system"}
problems = []
for target in package["targets"]:
    if target["type"] in ("system", "plugin"):
        continue
    name = target["name"]
    path = target.get("path") or ("Tests/" if target["type"] == "test" else "Sources/") + name
    declared = {value[0] for dependency in target["dependencies"] for value in dependency.values()}
    imported = set()
    for file in glob.glob(path + "/**/*.swift", recursive=True):
        for line in open(file, encoding="utf-8"):
            if match := IMPORT.match(line):
                imported.add(match.group(1))
    imported -= PLATFORM | {name}
    undeclared = imported - declared
    unused = declared - imported - system
    if undeclared:
        problems.append(f"{name} imports {', '.join(sorted(undeclared))} without declaring it")
    if unused:
        problems.append(f"{name} declares {', '.join(sorted(unused))} and never imports it")
if problems:
    print("Package.swift does not say what the targets import:\n  " + "\n  ".join(problems), file=sys.stderr)
    sys.exit(1)
print(f"Package.swift declares what each of its {len(package['targets'])} targets imports")
