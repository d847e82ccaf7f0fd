"""Lookup paths for the serve benchmark: HMA's recipe (a banked hash with 10 random bits
flipped, 20 000 distinct queries, every one a true hit at distance 10)."""
import random, sys
hashes_csv, out, count = sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 20000
with open(hashes_csv) as f:
    next(f)
    rows = [line.split(",", 1)[0] for line in f]
rng = random.Random(20261125)
with open(out, "w") as f:
    for _ in range(count):
        value = int(rng.choice(rows), 16)
        for bit in rng.sample(range(256), 10):
            value ^= 1 << bit
        f.write(f"/m/lookup?signal_type=pdq&signal={value:064x}\n")
