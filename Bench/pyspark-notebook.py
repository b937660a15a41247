"""The notebook method (spec/notebook-method.md) as a plain PySpark DataFrame job, the way the
seed's notebook writes it (read the JSON, filter, group, `lag` and `rowsBetween` windows, join),
run on a Spark Connect server: the peer a Spark user would run instead of `beaconhunt hunt
--engine spark --method notebook`. It writes its findings in BeaconHunt's CSV form, so that
beaconhunt-bench can require them to be byte-identical to BeaconHunt's.

  python pyspark-notebook.py REMOTE FILES0 OUT [NAME=JSON ...]

REMOTE is the server (sc://HOST:PORT); FILES0 holds the input paths separated by NUL bytes; the
NAME=JSON values are the thresholds and private prefixes, as for Bench/duckdb-hunt.py.

Times are read as the bench's simulated days write them (UTC, up to seven fraction digits), as in
Bench/notebook-method.duckdb.sql; BeaconHunt's own rules for other forms are not repeated here.
The bench compares the findings every run, so a day where the two readings differed would stop it.
"""
import functools
import json
import os
import re
import sys
import warnings

# pyspark 4.3.0 warns on import that it does not fully support pandas 3; the job only collects rows.
warnings.filterwarnings("ignore", category=FutureWarning)

from pyspark.sql import SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

import bench_csv

SCHEMA = T.StructType(
    [
        T.StructField("TimeGenerated", T.StringType()),
        T.StructField("SourceIP", T.StringType()),
        T.StructField("DestinationIP", T.StringType()),
        T.StructField("SourcePort", T.IntegerType()),
        T.StructField("DestinationPort", T.IntegerType()),
        T.StructField("Protocol", T.StringType()),
        T.StructField("ReceivedBytes", T.LongType()),
        T.StructField("SentBytes", T.LongType()),
        T.StructField("DeviceVendor", T.StringType()),
    ]
)

COLUMNS = [
    "DestinationIP", "DeviceVendor", "SourceIP", "DestinationPort", "Protocol", "Timedelta",
    "Timedeltacount", "TotalSentBytes", "TotalReceivedBytes", "Totalevents", "DegreeofSourceIps",
    "Timedeltalist", "Timedeltalistcount", "Totaleventcount", "Percentbeacon",
]


def hunt(spark, files, p):
    t = F.col("TimeGenerated")
    fraction = F.rpad(
        F.coalesce(F.nullif(F.regexp_extract(t, r"\.([0-9]+)", 1), F.lit("")), F.lit("0")), 7, "0"
    )
    rows = (
        spark.read.schema(SCHEMA)
        .json(files)
        .where(t.isNotNull())
        .withColumn(
            "Ticks",
            F.unix_seconds(F.to_timestamp(F.substring(t, 1, 19))) * 10000000
            + F.substring(fraction, 1, 7).cast("bigint"),
        )
    )
    # Steps 1-2: public destinations by the notebook's textual prefix test.
    private = functools.reduce(
        lambda a, b: a | b, [F.col("DestinationIP").startswith(x) for x in p["private_prefixes"]]
    )
    prepared = rows.where(F.col("DestinationIP").isNotNull() & ~private)
    # Step 3: busy sources, and destinations reached by few sources.
    busy = (
        prepared.where(F.col("SourceIP").isNotNull())
        .groupBy("SourceIP")
        .count()
        .where(F.col("count") > p["daily_event_count"])
        .select("SourceIP")
    )
    degree = (
        prepared.groupBy("DestinationIP")
        .agg(F.countDistinct("SourceIP").alias("DegreeofSourceIps"))
        .where(F.col("DegreeofSourceIps") < p["degree_of_source_ips"])
    )
    baselined = prepared.join(busy, "SourceIP").join(degree, "DestinationIP")
    # Step 4: each source's previous row (any destination), in the Decision's total order.
    order = [
        F.col(c).asc_nulls_first()
        for c in [
            "Ticks", "DestinationIP", "DestinationPort", "Protocol", "SourcePort", "SentBytes",
            "ReceivedBytes", "DeviceVendor",
        ]
    ]
    lagged = baselined.withColumn(
        "PrevTicks", F.lag("Ticks").over(Window.partitionBy("SourceIP").orderBy(*order))
    )
    complete = functools.reduce(
        lambda a, b: a & b,
        [
            F.col(c).isNotNull()
            for c in [
                "PrevTicks", "SourcePort", "DestinationPort", "Protocol", "ReceivedBytes",
                "SentBytes", "DeviceVendor",
            ]
        ],
    )
    deltas = lagged.where(complete).withColumn(
        "Timedelta", F.expr("(Ticks div 10000000) - (PrevTicks div 10000000)")
    )
    # Step 5: groups of equal deltas.
    grouped = (
        deltas.where(F.col("Timedelta") > p["time_delta"])
        .groupBy("DeviceVendor", "SourceIP", "DestinationIP", "DestinationPort", "Protocol", "Timedelta")
        .agg(
            F.count(F.lit(1)).alias("Timedeltacount"),
            F.sum("SentBytes").alias("TotalSentBytes"),
            F.sum("ReceivedBytes").alias("TotalReceivedBytes"),
            F.count(F.lit(1)).alias("Totalevents"),
            F.first("DegreeofSourceIps").alias("DegreeofSourceIps"),
        )
    )
    # Step 6: three neighbouring deltas, and each one's share of its flow.
    flow = ["DeviceVendor", "SourceIP", "DestinationIP", "DestinationPort"]
    w3 = Window.partitionBy(*flow).orderBy("Timedelta", "Protocol").rowsBetween(-2, 0)
    windowed = grouped.withColumn(
        "Timedeltalist", F.collect_list("Timedeltacount").over(w3)
    ).withColumn("Timedeltalistcount", F.sum("Timedeltacount").over(w3))
    pair = Window.partitionBy("SourceIP", "DestinationIP", "DestinationPort")
    scored = windowed.withColumn(
        "Totaleventcount", F.sum("Timedeltalistcount").over(pair)
    ).withColumn(
        "Percentbeacon",
        F.col("Timedeltalistcount").cast("double")
        / F.sum("Timedeltalistcount").over(Window.partitionBy(*flow)).cast("double")
        * F.lit(100.0),
    )
    # Step 7: the report filter and order.
    return (
        scored.where(
            (F.col("Percentbeacon") > p["percent_beacon"])
            & (F.col("Totaleventcount") > p["daily_event_count"])
        )
        .orderBy(
            F.col("Percentbeacon").desc(), "SourceIP", "DestinationIP", "DestinationPort",
            "Timedelta", "Protocol", "DeviceVendor",
        )
        .select(*COLUMNS)
    )


def main():
    remote, files_path, out_path = sys.argv[1:4]
    params = {}
    for a in sys.argv[4:]:
        name, _, value = a.partition("=")
        params[name] = json.loads(value)
    with open(files_path, "rb") as f:
        files = [p.decode() for p in f.read().split(b"\0") if p]
    # The server resolves paths itself: absolute, with Hadoop's glob characters escaped.
    files = [re.sub(r"([\\*?\[\]{}])", r"\\\1", os.path.abspath(p)) for p in files]
    spark = SparkSession.builder.remote(remote).getOrCreate()
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    try:
        rows = hunt(spark, files, params).collect()
        bench_csv.write(out_path, COLUMNS, [[[r[c] for c in COLUMNS] for r in rows]])
    finally:
        spark.stop()


main()
