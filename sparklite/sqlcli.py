"""``sparklite sql``: Spark SQL from the command line, printed as ``spark-sql`` prints it.

    sparklite sql -e "SELECT ..."          # statements separated by ';'
    sparklite sql -f queries.sql
    sparklite sql [--database D] [--master M] [--conf k=v ...]   # a prompt: statements end with ';'

Contract: each statement's rows go to stdout one line a row, values separated by tabs and written as
Hive writes them (``NULL`` at the top, ``null`` inside arrays, maps and structs; nested strings in
double quotes; doubles as Java prints them); ``Time taken: S seconds[, Fetched N row(s)]`` goes to
stderr after each statement. The first failing statement prints its error to stderr and ends the
run with status 1 (``-e``, ``-f``); at the prompt the error is printed and the prompt comes back.
``--database`` must name the one database sparklite has, ``default``.
"""
from __future__ import annotations

import argparse
import datetime
import decimal
import json
import sys
import time

from sparklite.sql import types as T
from sparklite.sql.display import java_float_string


def hive_string(value, data_type, nested: bool = False) -> str:
    """A value as ``spark-sql`` prints it (Spark's ``HiveResult.toHiveString``)."""
    if value is None:
        return "null" if nested else "NULL"
    if isinstance(data_type, T.ArrayType):
        return "[" + ",".join(hive_string(v, data_type.elementType, True) for v in value) + "]"
    if isinstance(data_type, T.MapType):
        pairs = value.items() if isinstance(value, dict) else value
        return "{" + ",".join(f"{hive_string(k, data_type.keyType, True)}:{hive_string(v, data_type.valueType, True)}"
                              for k, v in pairs) + "}"
    if isinstance(data_type, T.StructType):
        return "{" + ",".join(f"{json.dumps(f.name)}:{hive_string(v, f.dataType, True)}"
                              for f, v in zip(data_type.fields, value)) + "}"
    if isinstance(data_type, T.StringType):
        return json.dumps(value, ensure_ascii=False) if nested else value
    if isinstance(data_type, T.BooleanType):
        return "true" if value else "false"
    if isinstance(data_type, (T.FloatType, T.DoubleType)):
        return java_float_string(value, isinstance(data_type, T.FloatType))
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, datetime.datetime):
        text = value.strftime("%Y-%m-%d %H:%M:%S")
        return text + (f".{value.microsecond:06d}".rstrip("0") if value.microsecond else "")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="replace")
    return str(value)


def split_statements(text: str) -> list[str]:
    """The statements of a script: split at ``;`` outside quotes and comments, empty ones dropped."""
    statements, current, quote, i = [], [], None, 0
    while i < len(text):
        c = text[i]
        if quote:
            current.append(c)
            if c == "\\" and i + 1 < len(text):
                current.append(text[i + 1])
                i += 1
            elif c == quote:
                quote = None
        elif c in "'\"`":
            quote = c
            current.append(c)
        elif text.startswith("--", i):
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
            continue
        elif c == ";":
            statements.append("".join(current))
            current = []
        else:
            current.append(c)
        i += 1
    statements.append("".join(current))
    return [s.strip() for s in statements if s.strip()]


def run_statement(spark, text: str, out=sys.stdout, err=sys.stderr) -> None:
    """Run one statement and print its rows and its time as spark-sql does."""
    begun = time.perf_counter()
    df = spark.sql(text)
    fields = df.schema.fields
    rows = df.collect()
    for row in rows:
        out.write("\t".join(hive_string(v, f.dataType) for v, f in zip(row, fields)) + "\n")
    out.flush()
    taken = round((time.perf_counter() - begun) * 1000) / 1000
    err.write(f"Time taken: {taken} seconds" + (f", Fetched {len(rows)} row(s)" if rows else "") + "\n")
    err.flush()


def _prompt(spark) -> int:
    try:
        import readline  # noqa: F401  (history and line editing at the prompt)
    except ImportError:
        pass
    pending: list[str] = []
    while True:
        try:
            line = input("spark-sql (default)> " if not pending else "                   > ")
        except EOFError:
            print()
            return 0
        except KeyboardInterrupt:
            print()
            pending = []
            continue
        pending.append(line)
        text = "\n".join(pending)
        if not text.rstrip().endswith(";"):
            continue
        pending = []
        for statement in split_statements(text):
            if statement.lower() in ("quit", "exit"):
                return 0
            try:
                run_statement(spark, statement)
            except KeyboardInterrupt:
                spark.sparkContext.cancelAllJobs()
                print("Query cancelled", file=sys.stderr)
            except Exception as error:   # the prompt reports the failure and goes on
                print(error, file=sys.stderr)


def main(argv: list) -> int:
    parser = argparse.ArgumentParser(prog="sparklite sql", description="Run Spark SQL as spark-sql does.")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("-e", dest="query", help="SQL statements to run (separated by ';')")
    source.add_argument("-f", dest="file", help="a file of SQL statements")
    parser.add_argument("--database", default="default")
    parser.add_argument("--master", default=None)
    parser.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    from sparklite.submit import parse_conf_pairs
    try:
        conf = parse_conf_pairs(args.conf)
        text = None
        if args.file is not None:
            with open(args.file, encoding="utf-8") as f:
                text = f.read()
        elif args.query is not None:
            text = args.query
    except (OSError, ValueError) as error:
        print(f"sparklite sql: {error}", file=sys.stderr)
        return 1
    from sparklite.sql import SparkSession
    builder = SparkSession.builder.appName("sparklite-sql").master(args.master or conf.pop("spark.master", "local[*]"))
    for key, value in conf.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    try:
        sc = spark.sparkContext
        print(f"Spark master: {sc.master}, Application Id: {sc.applicationId}", file=sys.stderr)
        if args.database.lower() != "default":
            print(f"[SCHEMA_NOT_FOUND] The schema `{args.database}` cannot be found.", file=sys.stderr)
            return 1
        if text is None:
            return _prompt(spark)
        for statement in split_statements(text):
            try:
                run_statement(spark, statement)
            except Exception as error:   # the first failure ends the run, as spark-sql's
                print(error, file=sys.stderr)
                return 1
        return 0
    finally:
        spark.stop()
