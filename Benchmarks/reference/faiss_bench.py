"""faiss IndexBinaryMultiHash(256, 16, 16), nflip = 1 — what python-threatexchange and HMA use —
on the hashes and queries IndexBench generated. One query per range_search call, as a service
answers them; radius 32 because faiss's range is strict (<), i.e. distance <= 31."""
import sys
import time

import faiss
import numpy as np

d = sys.argv[1]
hashes = np.fromfile(f"{d}/hashes.bin", dtype=np.uint8).reshape(-1, 32)
queries = np.fromfile(f"{d}/queries.bin", dtype=np.uint8).reshape(-1, 32)[::8]
faiss.omp_set_num_threads(1)
t = time.perf_counter()
index = faiss.IndexBinaryMultiHash(256, 16, 16)
index.nflip = 1
index.add(hashes)
build = time.perf_counter() - t
print(f"faiss {faiss.__version__} IndexBinaryMultiHash(256,16,16) nflip=1 on {len(hashes)} hashes: built in {build:.1f} s")
found = 0
t = time.perf_counter()
for q in queries:
    lims, dist, ids = index.range_search(q.reshape(1, 32), 32)
    found += len(ids)
per = (time.perf_counter() - t) / len(queries)
print(f"faiss 1 needle, d<=31: {per * 1000:.3f} ms/query, {1 / per:.0f} queries/s ({found} hits over {len(queries)} queries)")
