#!/usr/bin/env python3
"""Routes and dashboard pages are handed the few services they use, never the whole set
(`VigilService`): only the router (Routing/VigilRouter.swift) and the dashboard's router
(Dashboard/DashboardRoutes.swift) unpack it. A route that names it again could reach every
service and store, which is what the set must not become: a locator. Run by `make test`.
  scripts/check-route-services.py   (from the repository root)"""
import glob, re, sys

ALLOWED = {"Sources/VigilServer/Service/VigilService.swift", "Sources/VigilServer/Routing/VigilRouter.swift",
           "Sources/VigilServer/Dashboard/DashboardRoutes.swift"}
found = []
for file in sorted(glob.glob("Sources/VigilServer/**/*.swift", recursive=True)):
    if file in ALLOWED:
        continue
    for number, line in enumerate(open(file, encoding="utf-8"), 1):
        if re.search(r"\bVigilService\b", line.split("//")[0]):
            found.append(f"{file}:{number}: {line.strip()}")
if found:
    print("These routes or pages are handed the whole service set; give them the services they use:\n  " + "\n  ".join(found), file=sys.stderr)
    sys.exit(1)
print("Every route and page is handed only the services it uses")
