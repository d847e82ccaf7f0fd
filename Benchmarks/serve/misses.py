"""Lookup paths that match nothing: 20 000 random PDQ hashes (a random hash is over 31 bits from
every one of 1M random banked hashes, with overwhelming odds)."""
import random, sys
out, count = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 20000
rng = random.Random(20261206)
with open(out, "w") as f:
    for _ in range(count):
        f.write(f"/m/lookup?signal_type=pdq&signal={rng.getrandbits(256):064x}\n")
