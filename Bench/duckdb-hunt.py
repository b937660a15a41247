"""Runs one of the bench's DuckDB statements (Bench/*.duckdb.sql) over a list of export files and
writes its rows as BeaconHunt's CSV writer does (RFC 4180, CRLF, lists as JSON arrays, doubles in
their shortest round-trip form), so that beaconhunt-bench can compare the two byte for byte.

  python duckdb-hunt.py SQL FILES0 OUT THREADS [NAME=JSON ...]

FILES0 holds the input paths separated by NUL bytes; each NAME=JSON binds the statement's $NAME.
"""
import json
import sys

import duckdb


def cell(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v) if v == v and v not in (float("inf"), float("-inf")) else "null"
    if isinstance(v, list):
        return field("[" + ",".join(cell(x) for x in v) + "]")
    s = str(v)
    if s[:1] in ("=", "+", "-", "@", "\t", "\r"):
        s = "'" + s
    return field(s)


def field(s):
    if any(c in s for c in ',"\r\n'):
        return '"' + s.replace('"', '""') + '"'
    return s


def main():
    sql_path, files_path, out_path, threads = sys.argv[1:5]
    params = {}
    for a in sys.argv[5:]:
        name, _, value = a.partition("=")
        params[name] = json.loads(value)
    with open(files_path, "rb") as f:
        params["files"] = [p.decode() for p in f.read().split(b"\0") if p]
    with open(sql_path) as f:
        sql = f.read()
    con = duckdb.connect(config={"threads": int(threads)})
    cur = con.execute(sql, params)
    columns = [d[0] for d in cur.description]
    with open(out_path, "w", newline="") as out:
        out.write(",".join(field(c) for c in columns) + "\r\n")
        while True:
            batch = cur.fetchmany(10000)
            if not batch:
                break
            for row in batch:
                out.write(",".join(cell(v) for v in row) + "\r\n")


main()
