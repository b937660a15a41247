"""Runs one of the bench's DuckDB statements (Bench/*.duckdb.sql) over a list of export files and
writes its rows as BeaconHunt's CSV writer does (RFC 4180, CRLF, lists as JSON arrays, doubles in
their shortest round-trip form), so that beaconhunt-bench can compare the two byte for byte.

  python duckdb-hunt.py SQL FILES0 OUT THREADS [NAME=JSON ...]

FILES0 holds the input paths separated by NUL bytes; each NAME=JSON binds the statement's $NAME.
"""
import json
import sys

import duckdb

import bench_csv


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
    bench_csv.write(out_path, columns, iter(lambda: cur.fetchmany(10000), []))


main()
