#!/usr/bin/env python3
"""N PDQ hashes with realistic structure, as CSV (header `pdq`): half random, half clusters of
near-duplicates at distances 1-40 around random centres (the structure of IndexBench generate,
without building the benchmark package). Usage: generate.py N OUT.csv"""
import random, sys
n, out = int(sys.argv[1]), sys.argv[2]
rng = random.Random(42)
with open(out, "w") as f:
    f.write("pdq\n")
    written = 0
    while written < n:
        centre = rng.getrandbits(256)
        f.write(f"{centre:064x}\n"); written += 1
        if rng.random() < 0.5:
            for _ in range(min(10, n - written)):
                value = centre
                for bit in rng.sample(range(256), rng.randint(1, 40)):
                    value ^= 1 << bit
                f.write(f"{value:064x}\n"); written += 1
