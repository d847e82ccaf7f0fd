"""Times Meta's pdqhash (the C++ PDQ core) and Pillow on the same photos as the Swift benchmarks.

pdqhash.compute on the RGB array (PDQ from pixels), and Pillow decode + pdqhash + MD5 + SHA-256 from
the file bytes (file to signals). Prints median milliseconds per image. PDQHASH_BUDGET_S (default 3)
is how long each median is timed for.
"""
import glob
import hashlib
import io
import os
import statistics
import sys
import time

import numpy as np
import pdqhash
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REF = os.path.join(os.path.dirname(ROOT), "shared", "data", "pdq-reference")


def largest_wallpaper():
    files = glob.glob("/usr/share/wallpapers/**/*.jpg", recursive=True)
    if not files:
        return None
    return max(files, key=lambda f: (lambda im: im.size[0] * im.size[1])(Image.open(f)))


def median_ms(fn, budget=float(os.environ.get("PDQHASH_BUDGET_S", "3")), max_runs=300):
    fn()  # warm-up
    times = []
    start = time.perf_counter()
    while len(times) < max_runs and (time.perf_counter() - start) < budget:
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), len(times)


def main():
    cases = [
        ("square-512x512", os.path.join(REF, "bridge-mods/square-512x512.jpg")),
        ("bridge-1600x1004", os.path.join(REF, "reg-test-input/dih/bridge-1-original.jpg")),
    ]
    wall = largest_wallpaper()
    if wall:
        cases.append(("wallpaper-largest", wall))
    print("| case | size | pdqhash.compute ms | Pillow + pdqhash + md5 + sha256 ms | runs |")
    print("|---|---|---|---|---|")
    for name, path in cases:
        data = open(path, "rb").read()
        rgb = np.ascontiguousarray(np.asarray(Image.open(io.BytesIO(data)).convert("RGB")))
        h, w = rgb.shape[:2]
        pixels_ms, runs = median_ms(lambda: pdqhash.compute(rgb))

        def file_to_signals():
            image = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
            pdqhash.compute(image)
            hashlib.md5(data).hexdigest()
            hashlib.sha256(data).hexdigest()

        file_ms, _ = median_ms(file_to_signals)
        print(f"| {name} | {w}x{h} | {pixels_ms:.2f} | {file_ms:.2f} | {runs} |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
