#!/usr/bin/env python3
"""Sums fuzz/artifacts/campaigns.tsv (written by campaign.sh) per target, as a Markdown table:
executions and seconds added up, coverage as the largest edge (cov) and feature (ft) counts
libFuzzer reported, and the crash files found."""

import collections
import pathlib

TSV = pathlib.Path(__file__).resolve().parent / "artifacts" / "campaigns.tsv"
rows = [line.split("\t") for line in TSV.read_text().splitlines()[1:] if line.strip()]
total = collections.OrderedDict()
for target, seconds, execs, cov, ft, corpus, crash in rows:
    t = total.setdefault(target, {"s": 0, "x": 0, "cov": 0, "ft": 0, "crash": []})
    t["s"] += int(seconds)
    t["x"] += int(execs or 0)
    t["cov"] = max(t["cov"], int(cov) if cov.isdigit() else 0)
    t["ft"] = max(t["ft"], int(ft) if ft.isdigit() else 0)
    t["crash"] += [c for c in crash.split() if c != "-"]
print("| target | seconds | executions | edges (cov) | features (ft) | crashes |")
print("| --- | ---: | ---: | ---: | ---: | --- |")
for target, t in total.items():
    crashes = ", ".join(t["crash"]) or "none"
    print(f"| `{target}` | {t['s']} | {t['x']:,} | {t['cov']:,} | {t['ft']:,} | {crashes} |")
print(f"| **all** | {sum(t['s'] for t in total.values())} | "
      f"{sum(t['x'] for t in total.values()):,} | | | |")
