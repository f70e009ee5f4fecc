#!/usr/bin/env python3
"""Where an adapter's instructions above its framework's floor go.

    python3 loadbench/items.py MEMORY_N1.out MEMORY_N2.out FLOOR_N1.out FLOOR_N2.out [-v]

Takes four callgrind outputs (the adapter route and the floor route, each
counted for n1 = 2000 and n2 = 4000 deliveries, as loadbench/items.sh makes
them), computes each function's own cost per delivery in the steady state
((n2 run - n1 run) / 2000, so start-up is out) for the adapter minus the
floor, and groups the functions by what they do. The first group whose
pattern matches a function's name takes it. With -v, the largest functions
of each group are listed. docs/benchmarks.md ("What remains above each
floor, per item") records its tables.
"""
import collections
import re
import subprocess
import sys

DELIVERIES = 2000.0  # n2 - n1

# (item, pattern on the function's name); the order decides ties.
ITEMS = [
    ("allocator (malloc/free)",
     r"malloc|_int_free|^free$|__rdl_|__rust_alloc|__rust_dealloc|unlink_chunk|__rust_no_alloc"),
    ("memcpy (moves of futures, requests, responses)", r"memcpy|memmove"),
    ("observability with nothing installed (clock reads, recorder look-ups, counters)",
     r"hookgate::observe|Timespec|Instant|clock_gettime|metrics::|tracing|Span|delivery_span"),
    ("dedupe key (message_key + percent-encoding)", r"hookgate::key::|percent_encoding"),
    ("signature header reading (the floor reads them too)",
     r"for_each_header|HeaderLookup>::first|SignedHeaders|FamilyHeaders"),
    ("Content-Length check", r"declared_length|content_length|check_content_length|trim_matches"),
    ("the adapter's own code", r"hookgate_(tower|actix|rocket)"),
    ("core admission and claim (check, verify wrapper, AdmitFuture, claim, settle)",
     r"^hookgate::|<hookgate::|drop_in_place<hookgate::"),
    ("hashed look-ups (request-local cache, typed state, extension slot)",
     r"hash|Hasher|TypeMap|type_map|sip|RawTable|Limits|Uncased|memrchr|local_cache|InitCell|indexmap"),
]
REST = "framework and the rest (net of the floor's own)"


def self_costs(path):
    """Each function's own (exclusive) instruction count in one callgrind output."""
    out = subprocess.run(["callgrind_annotate", "--threshold=100", path],
                         capture_output=True, text=True, check=True).stdout
    costs = collections.Counter()
    for line in out.splitlines():
        m = re.match(r"\s*([\d,]+)\s+\([^)]*\)\s+(.*)$", line)
        if not m or "PROGRAM TOTALS" in line:
            continue
        name = re.sub(r"\s*\[[^\]]*\]$", "", m.group(2))
        name = re.sub(r"^(\?\?\?|\./[^:]*):", "", name)
        costs[name] += int(m.group(1).replace(",", ""))
    return costs


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    m1, m2, f1, f2 = (self_costs(p) for p in sys.argv[1:5])
    verbose = "-v" in sys.argv[5:]
    totals = collections.Counter()
    members = collections.defaultdict(list)
    for name in set(m1) | set(m2) | set(f1) | set(f2):
        per_delivery = ((m2[name] - m1[name]) - (f2[name] - f1[name])) / DELIVERIES
        item = next((item for item, rx in ITEMS if re.search(rx, name)), REST)
        totals[item] += per_delivery
        if abs(per_delivery) >= 25:
            members[item].append((per_delivery, name))
    print("| item | instructions per delivery |\n| --- | ---: |")
    for item, value in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"| {item} | {value:+.0f} |")
    print(f"| **total (adapter − floor)** | **{sum(totals.values()):+.0f}** |")
    if verbose:
        for item, listed in members.items():
            print(f"\n{item}:")
            for value, name in sorted(listed, reverse=True)[:12]:
                print(f"  {value:+7.0f}  {name[:140]}")


if __name__ == "__main__":
    main()
