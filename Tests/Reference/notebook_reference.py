#!/usr/bin/env python3
"""An independent, deliberately plain reading of spec/notebook-method.md, used by the
differential tests to hold the native engine to the spec. It shares no code with the Swift
implementation: Python's own json module parses the lines, and every step is written out as the
spec states it. Usage: notebook_reference.py [--vendor V] [--daily N] [--degree N] [--delta N]
[--percent X] FILE... > findings.jsonl
"""
import gzip
import json
import re
import sys
from collections import defaultdict

ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(Z|z|[+-]\d{2}(?::?\d{2})?)?$")
PRIVATE = ["127.", "10."] + ["172.%d." % i for i in range(16, 32)] + ["192.168."]


def days_from_civil(y, m, d):
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def ticks(text):
    """100 ns ticks since the epoch, or None."""
    if not isinstance(text, str):
        return None
    m = ISO.match(text)
    if not m:
        return None
    y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
    leap = (y % 4 == 0 and y % 100 != 0) or y % 400 == 0
    mdays = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    if not (1 <= mo <= 12 and 1 <= d <= mdays[mo - 1] and h < 24 and mi < 60 and s < 60):
        return None
    frac = int(((m.group(7) or "") + "0000000")[:7])
    off = 0
    z = m.group(8)
    if z and z not in ("Z", "z"):
        sign = -1 if z[0] == "-" else 1
        digits = z[1:].replace(":", "")
        oh, om = int(digits[:2]), int(digits[2:4] or 0)
        if oh > 23 or om > 59:
            return None
        off = sign * (oh * 3600 + om * 60)
    secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - off
    return secs * 10_000_000 + frac


def as_string(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return v
    if isinstance(v, int):
        return str(v)
    return None  # objects, arrays (and fractions, which the tests do not use)


def as_int(v, bits):
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        n = v
    elif isinstance(v, str) and re.fullmatch(r"[\x00- ]*[-+]?[0-9]+[\x00- ]*", v):
        n = int(v.strip("".join(chr(c) for c in range(33))))
    else:
        return None
    lim = 1 << (bits - 1)
    return n if -lim <= n < lim else None


def load(paths):
    rows = []
    for p in paths:
        data = open(p, "rb").read()
        if p.endswith(".gz"):
            data = gzip.decompress(data)
        for line in data.split(b"\n"):
            if not line.strip():
                continue
            try:
                o = json.loads(line)
            except ValueError:
                continue
            if not isinstance(o, dict):
                continue
            t = ticks(o.get("TimeGenerated"))
            if t is None:
                continue
            rows.append({
                "t": t,
                "SourceIP": as_string(o.get("SourceIP")),
                "DestinationIP": as_string(o.get("DestinationIP")),
                "SourcePort": as_int(o.get("SourcePort"), 32),
                "DestinationPort": as_int(o.get("DestinationPort"), 32),
                "Protocol": as_string(o.get("Protocol")),
                "ReceivedBytes": as_int(o.get("ReceivedBytes"), 64),
                "SentBytes": as_int(o.get("SentBytes"), 64),
                "DeviceVendor": as_string(o.get("DeviceVendor")),
            })
    return rows


def nulls_first(v):
    """Sort key: nulls first, strings by their UTF-8 bytes (Spark's order)."""
    if v is None:
        return (0, b"")
    return (1, v.encode("utf-8") if isinstance(v, str) else v)


def hunt(rows, vendor=None, daily=100, degree_t=25, delta_t=15, percent_t=75.0):
    # 1. vendor; 2. public destinations
    rows = [r for r in rows if vendor is None or r["DeviceVendor"] == vendor]
    rows = [r for r in rows if r["DestinationIP"] is not None
            and not any(r["DestinationIP"].startswith(p) for p in PRIVATE)]
    # 3. baseline
    per_src = defaultdict(int)
    srcs_of = defaultdict(set)
    for r in rows:
        if r["SourceIP"] is not None:
            per_src[r["SourceIP"]] += 1
            srcs_of[r["DestinationIP"]].add(r["SourceIP"])
    degree = {d: len(s) for d, s in srcs_of.items()}
    rows = [r for r in rows if r["SourceIP"] is not None and per_src[r["SourceIP"]] > daily
            and degree.get(r["DestinationIP"], 0) < degree_t]
    # 4. deltas per source, any destination
    by_src = defaultdict(list)
    for r in rows:
        by_src[r["SourceIP"]].append(r)
    fields = ["SourceIP", "DestinationIP", "SourcePort", "DestinationPort", "Protocol",
              "ReceivedBytes", "SentBytes", "DeviceVendor"]
    groups = defaultdict(lambda: [0, 0, 0])
    for src, rs in by_src.items():
        rs.sort(key=lambda r: (r["t"], nulls_first(r["DestinationIP"]), nulls_first(r["DestinationPort"]),
                               nulls_first(r["Protocol"]), nulls_first(r["SourcePort"]),
                               nulls_first(r["SentBytes"]), nulls_first(r["ReceivedBytes"]),
                               nulls_first(r["DeviceVendor"])))
        for prev, r in zip(rs, rs[1:]):
            if any(r[f] is None for f in fields):
                continue
            delta = r["t"] // 10_000_000 - prev["t"] // 10_000_000
            if delta <= delta_t:
                continue
            g = groups[(r["DeviceVendor"], r["SourceIP"], r["DestinationIP"], r["DestinationPort"], r["Protocol"], delta)]
            g[0] += 1
            g[1] += r["SentBytes"]
            g[2] += r["ReceivedBytes"]
    # 6. three-row windows per (vendor, source, destination, port)
    parts = defaultdict(list)
    for k, v in groups.items():
        parts[k[:4]].append((k, v))
    out = []
    pair_total = defaultdict(int)
    for p, members in parts.items():
        members.sort(key=lambda kv: (kv[0][5], kv[0][4].encode("utf-8")))
        part_rows = []
        for i, (k, v) in enumerate(members):
            lst = [m[1][0] for m in members[max(0, i - 2):i + 1]]
            part_rows.append((k, v, lst, sum(lst)))
        total = sum(r[3] for r in part_rows)
        pair_total[(p[1], p[2], p[3])] += total
        for k, v, lst, lc in part_rows:
            out.append([k, v, lst, lc, lc / total * 100.0])
    # 7. report
    found = []
    for k, v, lst, lc, pct in out:
        tec = pair_total[(k[1], k[2], k[3])]
        if pct > percent_t and tec > daily:
            found.append({
                "DestinationIP": k[2], "DeviceVendor": k[0], "SourceIP": k[1], "DestinationPort": k[3],
                "Protocol": k[4], "Timedelta": k[5], "Timedeltacount": v[0], "TotalSentBytes": v[1],
                "TotalReceivedBytes": v[2], "Totalevents": v[0], "DegreeofSourceIps": degree[k[2]],
                "Timedeltalist": lst, "Timedeltalistcount": lc, "Totaleventcount": tec, "Percentbeacon": pct,
            })
    found.sort(key=lambda f: (-f["Percentbeacon"], f["SourceIP"].encode(), f["DestinationIP"].encode(),
                              f["DestinationPort"], f["Timedelta"], f["Protocol"].encode(), f["DeviceVendor"].encode()))
    return found


def main(argv):
    opts = {}
    names = {"--vendor": ("vendor", str), "--daily": ("daily", int), "--degree": ("degree_t", int),
             "--delta": ("delta_t", int), "--percent": ("percent_t", float)}
    while argv and argv[0] in names:
        key, conv = names[argv[0]]
        opts[key] = conv(argv[1])
        argv = argv[2:]
    for f in hunt(load(argv), **opts):
        sys.stdout.write(json.dumps(f, separators=(",", ":"), ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
