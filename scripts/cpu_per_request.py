"""CPU time per request of the server, PostgreSQL and Redis during one wrk run.

    python3 scripts/cpu_per_request.py URL [CONNECTIONS]

Runs wrk for 8 s against URL (a server already started, e.g. by hand as in scripts/bench.py)
and divides the CPU time each process group spent (from /proc/<pid>/stat), and wrk's own
(from this script's child rusage), by the requests served. A diagnostic for docs/performance.md, not a benchmark: the figures are proportions.
"""

import os
import re
import resource
import subprocess
import sys
import time


def cpu_seconds(pattern):
    total = 0
    pids = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True).stdout.split()
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


GROUPS = {"server": "dermaga serve", "postgres": "postgres", "redis": "redis-server"}


def main():
    url = sys.argv[1]
    connections = sys.argv[2] if len(sys.argv) > 2 else "8"
    before = {name: cpu_seconds(pattern) for name, pattern in GROUPS.items()}
    before["wrk"] = children_cpu_seconds()
    started = time.monotonic()
    output = subprocess.run(
        ["wrk", "-t2", "-c", connections, "-d8s", "--latency", url],
        capture_output=True, text=True, check=True,
    ).stdout
    elapsed = time.monotonic() - started
    after = {name: cpu_seconds(pattern) for name, pattern in GROUPS.items()}
    after["wrk"] = children_cpu_seconds()
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    print(re.search(r"Requests/sec:\s+\S+", output).group(0))
    for name in [*GROUPS, "wrk"]:
        spent = after[name] - before[name]
        print(f"  {name}: {spent * 1e6 / requests:.0f} us CPU/request, {spent / elapsed * 100:.0f}% of a core")


if __name__ == "__main__":
    main()
