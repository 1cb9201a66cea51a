"""Prints what scripts/fuzz.sh sent (the rounds' counts, from
scripts/fuzz_hooks.py) and fails when it is fewer requests than required.

Usage: fuzz_stats.py OUT_DIR SEED MINIMUM
"""

import collections
import glob
import json
import sys

out, seed, minimum = sys.argv[1], sys.argv[2], int(sys.argv[3])
total = collections.defaultdict(collections.Counter)
count = 0
for path in sorted(glob.glob(f"{out}/stats-*.json")):
    with open(path) as file:
        stats = json.load(file)
    count += stats["requests"]
    for key in ("by_status", "by_token", "by_body", "by_operation"):
        total[key].update(stats[key])

print(f"==> fuzz: {count} requests, seed {seed}")
for key, title in [("by_status", "status"), ("by_token", "token"), ("by_body", "body")]:
    counts = ", ".join(f"{name} x{n}" for name, n in sorted(total[key].items()))
    print(f"    by {title}: {counts}")
for operation, n in sorted(total["by_operation"].items()):
    print(f"    {n:6d}  {operation}")
if count < minimum:
    sys.exit(
        f"fuzz: {count} requests, fewer than the {minimum} required "
        "(raise FUZZ_EXAMPLES or FUZZ_ROUNDS)"
    )
