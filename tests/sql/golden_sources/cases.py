"""The data-source cases run on PySpark by ``generate.py`` and on sparklite by ``test_sources.py``.

Every case is code written against PySpark's API, so the same function runs on either engine:
``spark`` is the engine's session and ``T`` its ``types`` module.

* ``READS``: ``(name, read, ordered)``; ``read(spark, T)`` returns a DataFrame (collected by the
  runner) or a plain value; ``ordered=False`` compares rows as multisets (reads of several files,
  whose order depends on how a file system lists them).
* ``WRITES``: ``(name, write, read)``; ``write(spark, T, out)`` writes below the directory ``out``,
  then the runner records the files written (names with the job's uuid masked; the text of text
  formats) and ``read(spark, T, out)``, the same engine reading them back (None: nothing to read).
* ``CROSS``: ``(name, write, read)`` like ``WRITES``, but the generator writes with sparklite and
  reads with PySpark: PySpark must read what sparklite writes.
"""
from __future__ import annotations

import bz2
import contextlib
import datetime
import decimal
import gzip
import pathlib
import re

D = str(pathlib.Path(__file__).resolve().parent.parent / "data" / "sources")
UTC = datetime.timezone.utc
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@contextlib.contextmanager
def sql_conf(spark, **settings):
    """Session settings for the duration of a case (keys with ``__`` for dots)."""
    keys = {k.replace("__", "."): v for k, v in settings.items()}
    before = {k: spark.conf.get(k, None) for k in keys}
    for k, v in keys.items():
        spark.conf.set(k, v)
    try:
        yield
    finally:
        for k, v in before.items():
            if v is None:
                spark.conf.unset(k)
            else:
                spark.conf.set(k, v)


def partition_sizes(df) -> list:
    """How many rows each partition of a read holds (the split planning, seen from outside)."""
    return df.rdd.glom().map(len).collect()


def base(spark):
    """A frame of every atomic type, NULLs and awkward strings."""
    rows = [(1, "a,b", 1.5, 1e20, decimal.Decimal("1.20"), datetime.date(2020, 1, 2),
             datetime.datetime(2020, 1, 2, 3, 4, 5, 678000, tzinfo=UTC), True, None, 2.5),
            (2, 'q"uote', float("nan"), -0.0, None, None, None, None, "", None),
            (3, "new\nline", 1e-5, 123456789.0, decimal.Decimal("-3.00"), datetime.date(1, 1, 1),
             datetime.datetime(2020, 6, 1, tzinfo=UTC), False, "x", -1.25)]
    return spark.createDataFrame(rows, "id int, s string, d double, big double, dec decimal(5,2), dt date, "
                                       "ts timestamp, b boolean, n string, f float")


def nested(spark):
    """A frame of nested types and binaries."""
    rows = [(1, [1, 2], {"k": 1}, (1, "x"), b"\x01\x02", [[1, None], None], {1: "a"}),
            (2, [], {}, None, None, [], None),
            (3, None, None, (None, None), b"", None, {2: None})]
    return spark.createDataFrame(rows, "id int, arr array<int>, m map<string,int>, st struct<p:int,q:string>, "
                                       "bin binary, aa array<array<int>>, im map<int,string>")


EDGE_STRINGS = ['back\\slash,comma', 'q"\\x', '\\"', 'a\rb', ' lead', 'tail ', '  ', 'x;y', "it's", "#c", ""]


def edge_strings(spark):
    return spark.createDataFrame([(s,) for s in EDGE_STRINGS], "s string").coalesce(1)


READS = [
    # CSV
    ("csv_no_header", lambda spark, T: spark.read.csv(f"{D}/csv/people.csv"), True),
    ("csv_header", lambda spark, T: spark.read.option("header", True).csv(f"{D}/csv/people.csv"), True),
    ("csv_infer", lambda spark, T: spark.read.csv(f"{D}/csv/people.csv", header=True, inferSchema=True), True),
    ("csv_multiline", lambda spark, T: spark.read.csv(f"{D}/csv/people.csv", header=True, inferSchema=True,
                                                      multiLine=True), True),
    ("csv_infer_types", lambda spark, T: spark.read.csv(f"{D}/csv/infer.csv", header=True, inferSchema=True), True),
    ("csv_infer_no_prefer_date", lambda spark, T: spark.read.option("preferDate", False).csv(
        f"{D}/csv/infer.csv", header=True, inferSchema=True), True),
    ("csv_infer_single_values", lambda spark, T: spark.read.csv(f"{D}/csv/infer_single.csv", header=True,
                                                                inferSchema=True), True),
    ("csv_infer_pairs", lambda spark, T: spark.read.csv(f"{D}/csv/infer_pairs.csv", header=True, inferSchema=True),
     True),
    ("csv_values_as_int", lambda spark, T: spark.read.schema(", ".join(f"c{i} int" for i in range(50))).csv(
        f"{D}/csv/infer_single.csv", header=True), True),
    ("csv_values_as_double", lambda spark, T: spark.read.schema(", ".join(f"c{i} double" for i in range(50))).csv(
        f"{D}/csv/infer_single.csv", header=True), True),
    ("csv_values_as_decimal", lambda spark, T: spark.read.schema(
        ", ".join(f"c{i} decimal(10,2)" for i in range(50))).csv(f"{D}/csv/infer_single.csv", header=True), True),
    ("csv_values_as_date", lambda spark, T: spark.read.schema(", ".join(f"c{i} date" for i in range(50))).csv(
        f"{D}/csv/infer_single.csv", header=True), True),
    ("csv_values_as_timestamp", lambda spark, T: spark.read.schema(
        ", ".join(f"c{i} timestamp" for i in range(50))).csv(f"{D}/csv/infer_single.csv", header=True), True),
    ("csv_values_as_boolean", lambda spark, T: spark.read.schema(", ".join(f"c{i} boolean" for i in range(50))).csv(
        f"{D}/csv/infer_single.csv", header=True), True),
    ("csv_malformed_strings", lambda spark, T: spark.read.csv(f"{D}/csv/malformed.csv", header=True), True),
    ("csv_malformed_permissive", lambda spark, T: spark.read.schema("a int, b string, c date").csv(
        f"{D}/csv/malformed.csv", header=True), True),
    ("csv_malformed_corrupt_column", lambda spark, T: spark.read.schema(
        "a int, b string, c date, _corrupt_record string").csv(f"{D}/csv/malformed.csv", header=True), True),
    ("csv_malformed_named_corrupt_column", lambda spark, T: spark.read.schema("a int, b string, c date, bad string")
     .csv(f"{D}/csv/malformed.csv", header=True, columnNameOfCorruptRecord="bad"), True),
    ("csv_malformed_dropmalformed", lambda spark, T: spark.read.schema("a int, b string, c date").csv(
        f"{D}/csv/malformed.csv", header=True, mode="DROPMALFORMED"), True),
    ("csv_malformed_failfast", lambda spark, T: spark.read.schema("a int, b string, c date").csv(
        f"{D}/csv/malformed.csv", header=True, mode="FAILFAST"), True),
    ("csv_failfast_conversion", lambda spark, T: spark.read.schema("a int, b string").csv(
        f"{D}/csv/malformed.csv", header=True, mode="FAILFAST").where("b = 'w'"), True),
    ("csv_unknown_mode_is_permissive", lambda spark, T: spark.read.csv(f"{D}/csv/crlf.csv", mode="bogus"), True),
    ("csv_corrupt_column_must_be_string", lambda spark, T: spark.read.schema("a int, b int").csv(
        f"{D}/csv/crlf.csv", header=True, columnNameOfCorruptRecord="b"), True),
    ("csv_options", lambda spark, T: spark.read.options(header=True, sep=";", quote="'", comment="#",
                                                        nullValue="NA", emptyValue="EMPTY", inferSchema=True)
     .csv(f"{D}/csv/options.csv"), True),
    ("csv_trim_whitespace", lambda spark, T: spark.read.options(header=True, sep=";", quote="'", comment="#",
                                                                ignoreLeadingWhiteSpace=True,
                                                                ignoreTrailingWhiteSpace=True)
     .csv(f"{D}/csv/options.csv"), True),
    ("csv_comment_not_set", lambda spark, T: spark.read.csv(f"{D}/csv/options.csv", header=True, sep=";",
                                                            quote="'"), True),
    ("csv_quoted_newline_multiline", lambda spark, T: spark.read.csv(f"{D}/csv/multiline.csv", header=True,
                                                                     multiLine=True), True),
    ("csv_quoted_newline_lines", lambda spark, T: spark.read.csv(f"{D}/csv/multiline.csv", header=True), True),
    ("csv_duplicate_header", lambda spark, T: spark.read.csv(f"{D}/csv/dupheader.csv", header=True,
                                                             inferSchema=True), True),
    ("csv_formats_infer", lambda spark, T: spark.read.csv(f"{D}/csv/formats.csv", header=True, inferSchema=True,
                                                          dateFormat="dd/MM/yyyy",
                                                          timestampFormat="dd/MM/yyyy HH:mm"), True),
    ("csv_formats_schema", lambda spark, T: spark.read.schema("day date, moment timestamp").csv(
        f"{D}/csv/formats.csv", header=True, dateFormat="dd/MM/yyyy", timestampFormat="dd/MM/yyyy HH:mm"), True),
    ("csv_formats_mismatch", lambda spark, T: spark.read.schema("day date, moment timestamp").csv(
        f"{D}/csv/formats.csv", header=True, dateFormat="yyyy-MM-dd", timestampFormat="yyyy-MM-dd HH:mm"), True),
    ("csv_encoding_latin1", lambda spark, T: spark.read.csv(f"{D}/csv/latin1.csv", header=True,
                                                            encoding="ISO-8859-1"), True),
    ("csv_encoding_default_utf8", lambda spark, T: spark.read.csv(f"{D}/csv/latin1.csv", header=True), True),
    ("csv_crlf", lambda spark, T: spark.read.csv(f"{D}/csv/crlf.csv", header=True, inferSchema=True), True),
    ("csv_schema_renames", lambda spark, T: spark.read.schema("x int, y int").csv(f"{D}/csv/crlf.csv",
                                                                                  header=True), True),
    ("csv_schema_fewer_columns", lambda spark, T: spark.read.schema("x int").csv(f"{D}/csv/crlf.csv", header=True),
     True),
    ("csv_not_nullable_schema_is_nullable", lambda spark, T: spark.read.format("csv").schema(
        T.StructType([T.StructField("x", T.IntegerType(), False)])).load(f"{D}/csv/crlf.csv"), True),
    ("csv_enforce_schema_false", lambda spark, T: spark.read.schema("x int, y int").csv(
        f"{D}/csv/crlf.csv", header=True, enforceSchema=False), True),
    ("csv_null_and_empty_values", lambda spark, T: spark.read.csv(f"{D}/csv/people.csv", header=True,
                                                                  nullValue="x", emptyValue="E"), True),
    ("csv_tokens_default", lambda spark, T: spark.read.schema("a string, b string, c string").csv(
        f"{D}/csv/tokens.csv"), True),
    ("csv_tokens_trimmed", lambda spark, T: spark.read.schema("a string, b string, c string").csv(
        f"{D}/csv/tokens.csv", ignoreLeadingWhiteSpace=True, ignoreTrailingWhiteSpace=True), True),
    ("csv_tokens_quote_escape", lambda spark, T: spark.read.schema("a string, b string, c string").csv(
        f"{D}/csv/tokens.csv", escape='"'), True),
    ("csv_tokens_no_quote", lambda spark, T: spark.read.schema("a string, b string, c string").csv(
        f"{D}/csv/tokens.csv", quote=""), True),
    ("csv_directory_headers", lambda spark, T: spark.read.csv(f"{D}/csvdir", header=True, inferSchema=True), False),
    ("csv_gzip", lambda spark, T: spark.read.csv(f"{D}/compressed/data.csv.gz", header=True, inferSchema=True),
     True),
    ("csv_bzip2", lambda spark, T: spark.read.csv(f"{D}/compressed/data.csv.bz2", header=True), True),
    ("csv_missing_path", lambda spark, T: spark.read.csv(f"{D}/csv/nope.csv"), True),
    ("csv_empty_file", lambda spark, T: spark.read.csv(f"{D}/empty/empty.csv"), True),
    ("csv_empty_directory", lambda spark, T: spark.read.csv(f"{D}/emptydir"), True),
    ("csv_array_column_refused", lambda spark, T: spark.read.schema(
        T.StructType([T.StructField("a", T.ArrayType(T.IntegerType()))])).csv(f"{D}/csv/crlf.csv"), True),
    ("csv_load_with_options", lambda spark, T: spark.read.format("csv").load(f"{D}/csv/crlf.csv", header=True,
                                                                             inferSchema=True), True),
    ("csv_load_with_schema", lambda spark, T: spark.read.load(f"{D}/csv/crlf.csv", format="CSV", schema="q string"),
     True),
    ("csv_split_across_tasks", lambda spark, T: _split_read(spark, lambda: spark.read.csv(
        f"{D}/split/numbers.csv", header=True, inferSchema=True)), True),
    ("csv_split_rows", lambda spark, T: _split_rows(spark, lambda: spark.read.csv(
        f"{D}/split/numbers.csv", header=True, inferSchema=True)), True),
    # JSON
    ("json_infer", lambda spark, T: spark.read.json(f"{D}/json/basic.jsonl"), True),
    ("json_corrupt_infer", lambda spark, T: spark.read.json(f"{D}/json/corrupt.jsonl"), True),
    ("json_corrupt_schema", lambda spark, T: spark.read.schema("a int, b string").json(f"{D}/json/corrupt.jsonl"),
     True),
    ("json_corrupt_schema_column", lambda spark, T: spark.read.schema("a int, b string, _corrupt_record string")
     .json(f"{D}/json/corrupt.jsonl"), True),
    ("json_dropmalformed", lambda spark, T: spark.read.json(f"{D}/json/corrupt.jsonl", mode="DROPMALFORMED"), True),
    ("json_failfast_infer", lambda spark, T: spark.read.json(f"{D}/json/corrupt.jsonl", mode="FAILFAST"), True),
    ("json_failfast_schema", lambda spark, T: spark.read.schema("a int, b string").json(
        f"{D}/json/corrupt.jsonl", mode="FAILFAST"), True),
    ("json_corrupt_column_name", lambda spark, T: spark.read.json(f"{D}/json/corrupt.jsonl",
                                                                  columnNameOfCorruptRecord="bad"), True),
    ("json_pretty_as_lines", lambda spark, T: spark.read.json(f"{D}/json/multiline.json"), True),
    ("json_multiline", lambda spark, T: spark.read.json(f"{D}/json/multiline.json", multiLine=True), True),
    ("json_types", lambda spark, T: spark.read.json(f"{D}/json/types.jsonl"), True),
    ("json_primitives_as_string", lambda spark, T: spark.read.json(f"{D}/json/types.jsonl",
                                                                   primitivesAsString=True), True),
    ("json_prefers_decimal_negative_scale", lambda spark, T: spark.read.json(f"{D}/json/types.jsonl",
                                                                             prefersDecimal=True), True),
    ("json_prefers_decimal", lambda spark, T: spark.read.json(f"{D}/json/decimals.jsonl", prefersDecimal=True), True),
    ("json_infer_timestamp", lambda spark, T: spark.read.option("inferTimestamp", True).json(
        f"{D}/json/types.jsonl"), True),
    ("json_schema_types", lambda spark, T: spark.read.schema(
        "i byte, f float, big decimal(38,0), e double, s date, t timestamp, b boolean, n string, arr array<double>, "
        "arrmix array<string>, empty map<string,int>").json(f"{D}/json/types.jsonl"), True),
    ("json_schema_strings", lambda spark, T: spark.read.schema(
        "i string, f string, s string, b string, arr string, arrmix string, empty string").json(
        f"{D}/json/types.jsonl"), True),
    ("json_schema_nested", lambda spark, T: spark.read.schema(
        "id long, addr struct<city:string,zip:string>, mixed int, tags array<int>").json(f"{D}/json/basic.jsonl"),
     True),
    ("json_schema_case_sensitive_names", lambda spark, T: spark.read.schema("ID long, Name string").json(
        f"{D}/json/basic.jsonl"), True),
    ("json_edge_records", lambda spark, T: spark.read.json(f"{D}/json/edge.jsonl"), True),
    ("json_edge_lenient", lambda spark, T: spark.read.json(f"{D}/json/edge.jsonl", allowComments=True,
                                                           allowUnquotedFieldNames=True), True),
    ("json_edge_strict", lambda spark, T: spark.read.json(f"{D}/json/edge.jsonl", allowSingleQuotes=False,
                                                          allowNonNumericNumbers=False), True),
    ("json_edge_leading_zeros", lambda spark, T: spark.read.option("allowNumericLeadingZeros", True).json(
        f"{D}/json/edge.jsonl"), True),
    ("json_edge_drop_null_fields", lambda spark, T: spark.read.json(f"{D}/json/edge.jsonl", dropFieldIfAllNull=True),
     True),
    ("json_conversions", lambda spark, T: spark.read.schema(
        "n int, x double, y int, z date, w boolean, v string, u int, t double").json(f"{D}/json/edge2.jsonl"), True),
    ("json_conversions_corrupt", lambda spark, T: spark.read.schema(
        "n int, x double, y int, z date, w boolean, v string, u int, t double, _corrupt_record string").json(
        f"{D}/json/edge2.jsonl"), True),
    ("json_conversions_wider", lambda spark, T: spark.read.schema(
        "n string, x string, y long, z timestamp, w string, v string, u long, t float").json(
        f"{D}/json/edge2.jsonl"), True),
    ("json_conversions_decimal", lambda spark, T: spark.read.schema(
        "n decimal(5,1), x decimal(5,1), y decimal(5,1), z timestamp_ntz, u short, t decimal(38,0)").json(
        f"{D}/json/edge2.jsonl"), True),
    ("json_lenient_infer", lambda spark, T: spark.read.json(f"{D}/json/lenient.jsonl"), True),
    ("json_lenient_as_strings", lambda spark, T: spark.read.schema("a string, b long, _corrupt_record string").json(
        f"{D}/json/lenient.jsonl"), True),
    ("json_lenient_any_escape", lambda spark, T: spark.read.schema("a string, b long").json(
        f"{D}/json/lenient.jsonl", allowBackslashEscapingAnyCharacter=True), True),
    ("json_infer_mixed", lambda spark, T: spark.read.json(f"{D}/json/edge2.jsonl"), True),
    ("json_date_format", lambda spark, T: spark.read.schema("z date").json(f"{D}/json/edge2.jsonl",
                                                                           dateFormat="yyyy-M-d"), True),
    ("json_timestamp_format", lambda spark, T: spark.read.schema("z timestamp").json(
        f"{D}/json/edge2.jsonl", timestampFormat="yyyy-M-d HH:mm"), True),
    ("json_only_corrupt_column", lambda spark, T: spark.read.json(f"{D}/parquet/merge"), True),
    ("json_gzip", lambda spark, T: spark.read.json(f"{D}/compressed/records.jsonl.gz"), True),
    ("json_split_rows", lambda spark, T: _split_rows(spark, lambda: spark.read.json(f"{D}/split/numbers.jsonl")),
     True),
    ("json_empty_file", lambda spark, T: spark.read.json(f"{D}/empty/empty.csv"), True),
    # partitions, globs, listing
    ("partitions_discovered", lambda spark, T: spark.read.json(f"{D}/partitioned"), False),
    ("partitions_escaped_strings", lambda spark, T: spark.read.json(f"{D}/strparts"), False),
    ("partitions_below_base", lambda spark, T: spark.read.json(f"{D}/partitioned/year=2020"), False),
    ("partitions_base_path", lambda spark, T: spark.read.option("basePath", f"{D}/partitioned").json(
        f"{D}/partitioned/year=2020"), False),
    ("partitions_glob_roots", lambda spark, T: spark.read.json(f"{D}/partitioned/year=202*/month=1*"), False),
    ("partitions_one_file", lambda spark, T: spark.read.json(f"{D}/partitioned/year=2020/month=1/part-0.json"),
     True),
    ("partitions_user_type", lambda spark, T: spark.read.schema("v long, year string").json(f"{D}/partitioned"),
     False),
    ("partitions_user_schema_order", lambda spark, T: spark.read.schema("month int, v long").json(
        f"{D}/partitioned"), False),
    ("partitions_recursive_lookup", lambda spark, T: spark.read.json(f"{D}/partitioned", recursiveFileLookup=True),
     False),
    ("partitions_typed", lambda spark, T: spark.read.json(f"{D}/ptypes"), False),
    ("partitions_inference_off", lambda spark, T: _with_conf(
        spark, {"spark.sql.sources.partitionColumnTypeInference.enabled": "false"},
        lambda: spark.read.json(f"{D}/ptypes")), False),
    ("partitions_mixed_levels", lambda spark, T: spark.read.json(f"{D}/mixedparts"), False),
    ("partitions_conflicting_names", lambda spark, T: spark.read.json(f"{D}/badparts"), False),
    ("partitions_conflicting_directories", lambda spark, T: spark.read.json(f"{D}/conflictdirs"), False),
    ("listing_top_level_only", lambda spark, T: spark.read.text(f"{D}/tree"), False),
    ("listing_recursive", lambda spark, T: spark.read.text(f"{D}/tree", recursiveFileLookup=True), False),
    ("listing_recursive_glob_filter", lambda spark, T: spark.read.text(f"{D}/tree", recursiveFileLookup=True,
                                                                       pathGlobFilter="*.txt"), False),
    ("listing_glob_filter", lambda spark, T: spark.read.text(f"{D}/tree", pathGlobFilter="*.txt"), False),
    ("listing_glob_star", lambda spark, T: spark.read.text(f"{D}/tree/*"), False),
    ("listing_glob_extension", lambda spark, T: spark.read.text(f"{D}/tree/*.txt"), False),
    ("listing_list_of_paths", lambda spark, T: spark.read.text([f"{D}/tree/a.txt", f"{D}/tree/sub"]), False),
    ("listing_glob_braces", lambda spark, T: spark.read.text(f"{D}/text/{{lines,pipes}}.txt"), False),
    ("listing_glob_question", lambda spark, T: spark.read.text(f"{D}/text/line?.txt"), False),
    ("listing_glob_class", lambda spark, T: spark.read.text(f"{D}/text/[lp]*.txt"), False),
    ("listing_glob_no_match", lambda spark, T: spark.read.text(f"{D}/nothing*"), False),
    ("listing_hidden_directory_named", lambda spark, T: spark.read.text(f"{D}/tree/_hidden"), False),
    ("listing_hidden_file_named", lambda spark, T: spark.read.text(f"{D}/tree/.crc"), False),
    ("listing_unknown_format", lambda spark, T: spark.read.format("nope").load(f"{D}/tree"), False),
    # text
    ("text_lines", lambda spark, T: spark.read.text(f"{D}/text/lines.txt"), True),
    ("text_wholetext", lambda spark, T: spark.read.text(f"{D}/text/lines.txt", wholetext=True), True),
    ("text_line_sep", lambda spark, T: spark.read.text(f"{D}/text/pipes.txt", lineSep="|"), True),
    ("text_directory", lambda spark, T: spark.read.text(f"{D}/text"), False),
    ("text_no_path", lambda spark, T: spark.read.format("text").load(), True),
    ("text_schema", lambda spark, T: spark.read.schema("x string").text(f"{D}/text/lines.txt"), True),
    ("text_schema_not_string", lambda spark, T: spark.read.schema("x int").text(f"{D}/text/lines.txt"), True),
    ("text_gzip", lambda spark, T: spark.read.text(f"{D}/compressed/lines.txt.gz"), True),
    ("text_split_rows", lambda spark, T: _split_rows(spark, lambda: spark.read.text(f"{D}/split/numbers.csv")),
     True),
    ("text_empty_directory", lambda spark, T: spark.read.text(f"{D}/emptydir"), True),
    # Parquet, ORC
    ("parquet_types", lambda spark, T: spark.read.parquet(f"{D}/parquet/types.parquet"), True),
    ("parquet_first_schema", lambda spark, T: spark.read.parquet(f"{D}/parquet/merge"), False),
    ("parquet_merge_schema", lambda spark, T: spark.read.option("mergeSchema", True).parquet(
        f"{D}/parquet/merge"), False),
    ("parquet_merge_schema_conf", lambda spark, T: _with_conf(
        spark, {"spark.sql.parquet.mergeSchema": "true"}, lambda: spark.read.parquet(f"{D}/parquet/merge")), False),
    ("parquet_merge_conflict", lambda spark, T: spark.read.option("mergeSchema", True).parquet(
        f"{D}/parquet/conflict"), False),
    ("parquet_type_mismatch", lambda spark, T: spark.read.parquet(f"{D}/parquet/conflict"), False),
    ("parquet_schema_widens_and_adds", lambda spark, T: spark.read.schema("id long, a string, zz int").parquet(
        f"{D}/parquet/merge"), False),
    ("parquet_schema_case_insensitive", lambda spark, T: spark.read.schema("ID int, A string").parquet(
        f"{D}/parquet/merge"), False),
    ("parquet_schema_mismatch", lambda spark, T: spark.read.schema("id string").parquet(f"{D}/parquet/merge"),
     False),
    ("parquet_not_parquet", lambda spark, T: spark.read.parquet(f"{D}/csv/crlf.csv"), True),
    ("parquet_several_paths", lambda spark, T: spark.read.parquet(f"{D}/parquet/types.parquet",
                                                                  f"{D}/parquet/merge"), False),
    ("parquet_path_option", lambda spark, T: spark.read.format("parquet").option("path", f"{D}/parquet/merge")
     .load(), False),
    ("parquet_default_format", lambda spark, T: spark.read.load(f"{D}/parquet/merge"), False),
    ("parquet_empty_directory", lambda spark, T: spark.read.parquet(f"{D}/emptydir"), True),
    ("parquet_row_groups_split", lambda spark, T: _split_rows(spark, lambda: spark.read.parquet(
        f"{D}/split/numbers.parquet")), True),
    ("orc_types", lambda spark, T: spark.read.orc(f"{D}/orc/types.orc"), True),
    ("orc_empty_directory", lambda spark, T: spark.read.orc(f"{D}/emptydir"), True),
]


def _with_conf(spark, settings: dict, read):
    with sql_conf(spark, **{k.replace(".", "__"): v for k, v in settings.items()}):
        df = read()
        return df.schema.json(), sorted((list(r) for r in df.collect()), key=repr)


def _split_read(spark, read):
    with sql_conf(spark, spark__sql__files__maxPartitionBytes="20000", spark__sql__files__openCostInBytes="1000"):
        df = read()
        return df.schema.json(), sorted(tuple(r) for r in df.collect())[:5], df.count()


def _split_rows(spark, read):
    with sql_conf(spark, spark__sql__files__maxPartitionBytes="20000", spark__sql__files__openCostInBytes="1000"):
        return partition_sizes(read())


# -- writes ------------------------------------------------------------------------------------

ATOMIC = ["id", "s", "d", "big", "dec", "dt", "ts", "b", "n", "f"]


def _in_new_york(spark, write):
    with sql_conf(spark, spark__sql__session__timeZone="America/New_York"):
        write()


WRITES = [
    ("csv_default", lambda spark, T, out: base(spark).coalesce(1).write.csv(f"{out}/w"),
     lambda spark, T, out: spark.read.schema(base(spark).schema).csv(f"{out}/w")),
    ("csv_header_formats", lambda spark, T, out: base(spark).coalesce(1).write.option("header", True)
     .option("nullValue", "NULL").option("dateFormat", "dd/MM/yyyy").option("timestampFormat", "yyyy-MM-dd HH:mm")
     .csv(f"{out}/w"),
     lambda spark, T, out: spark.read.csv(f"{out}/w", header=True, nullValue="NULL")),
    ("csv_separator_quote_escape", lambda spark, T, out: base(spark).select("id", "s", "n").coalesce(1).write
     .options(sep="|", quote="'", escape='"', header=True, emptyValue="EMPTY").csv(f"{out}/w"),
     lambda spark, T, out: spark.read.csv(f"{out}/w", sep="|", quote="'", escape='"', header=True,
                                          multiLine=True)),
    ("csv_quote_all", lambda spark, T, out: base(spark).select("id", "s", "n").coalesce(1).write
     .options(quoteAll=True).csv(f"{out}/w"),
     lambda spark, T, out: spark.read.csv(f"{out}/w", multiLine=True)),
    ("csv_edge_strings", lambda spark, T, out: edge_strings(spark).write.csv(f"{out}/w"),
     lambda spark, T, out: spark.read.csv(f"{out}/w", multiLine=True)),
    ("csv_edge_strings_quote_escape", lambda spark, T, out: edge_strings(spark).write.csv(f"{out}/w", escape='"'),
     lambda spark, T, out: spark.read.csv(f"{out}/w", escape='"', multiLine=True)),
    ("csv_edge_strings_other_quote", lambda spark, T, out: edge_strings(spark).write.csv(f"{out}/w", sep=";",
                                                                                           quote="'"),
     lambda spark, T, out: spark.read.csv(f"{out}/w", sep=";", quote="'", multiLine=True)),
    ("csv_keep_whitespace", lambda spark, T, out: edge_strings(spark).write.options(
        ignoreLeadingWhiteSpace=False, ignoreTrailingWhiteSpace=False, escapeQuotes=False, lineSep="\r\n").csv(
        f"{out}/w"), None),
    ("csv_gzip", lambda spark, T, out: base(spark).select(ATOMIC).coalesce(1).write.csv(
        f"{out}/w", compression="gzip", header=True),
     lambda spark, T, out: spark.read.csv(f"{out}/w", header=True, inferSchema=True)),
    ("csv_bzip2", lambda spark, T, out: base(spark).select("id", "s").coalesce(1).write.csv(
        f"{out}/w", compression="bzip2"), lambda spark, T, out: spark.read.csv(f"{out}/w", multiLine=True)),
    ("csv_encoding", lambda spark, T, out: spark.createDataFrame([(1, "é")], "v int, p string").coalesce(1).write
     .option("encoding", "ISO-8859-1").csv(f"{out}/w"),
     lambda spark, T, out: spark.read.csv(f"{out}/w", encoding="ISO-8859-1")),
    ("csv_empty_with_header", lambda spark, T, out: spark.createDataFrame([], "a int, b string").write
     .option("header", True).csv(f"{out}/w"), lambda spark, T, out: spark.read.csv(f"{out}/w", header=True)),
    ("csv_timestamps_new_york", lambda spark, T, out: _in_new_york(
        spark, lambda: base(spark).select("id", "ts").coalesce(1).write.csv(f"{out}/w")),
     lambda spark, T, out: spark.read.schema("id int, ts timestamp").csv(f"{out}/w")),
    ("csv_partitioned_header", lambda spark, T, out: spark.createDataFrame([(1, "a"), (2, "b")], "v int, p string")
     .coalesce(1).write.partitionBy("p").option("header", True).csv(f"{out}/w"),
     lambda spark, T, out: spark.read.csv(f"{out}/w", header=True, inferSchema=True)),
    ("json_default", lambda spark, T, out: base(spark).coalesce(1).write.json(f"{out}/w"),
     lambda spark, T, out: spark.read.schema(base(spark).schema).json(f"{out}/w")),
    ("json_keep_nulls", lambda spark, T, out: base(spark).coalesce(1).write.option("ignoreNullFields", False).json(
        f"{out}/w"), lambda spark, T, out: spark.read.json(f"{out}/w")),
    ("json_nested", lambda spark, T, out: nested(spark).coalesce(1).write.json(f"{out}/w"),
     lambda spark, T, out: spark.read.json(f"{out}/w")),
    ("json_nested_keep_nulls", lambda spark, T, out: nested(spark).coalesce(1).write.json(
        f"{out}/w", ignoreNullFields=False), None),
    ("json_formats", lambda spark, T, out: base(spark).select("id", "dt", "ts").coalesce(1).write.options(
        dateFormat="MM/dd/yy", timestampFormat="yyyy/MM/dd HH:mm:ss.SSSSSS a E").json(f"{out}/w"), None),
    ("json_line_separator", lambda spark, T, out: base(spark).select("id", "s").coalesce(1).write.json(
        f"{out}/w", lineSep="|"), lambda spark, T, out: spark.read.json(f"{out}/w", lineSep="|")),
    ("json_gzip", lambda spark, T, out: base(spark).select("id", "s").coalesce(1).write.json(
        f"{out}/w", compression="gzip"), lambda spark, T, out: spark.read.json(f"{out}/w")),
    ("json_timestamps_new_york", lambda spark, T, out: _in_new_york(
        spark, lambda: base(spark).select("id", "ts").coalesce(1).write.json(f"{out}/w")), None),
    ("json_empty", lambda spark, T, out: spark.createDataFrame([], "a int").write.json(f"{out}/w"), None),
    ("text_default", lambda spark, T, out: base(spark).select("s").coalesce(1).write.text(f"{out}/w"),
     lambda spark, T, out: spark.read.text(f"{out}/w")),
    ("text_line_separator", lambda spark, T, out: base(spark).select("s").coalesce(1).write.text(
        f"{out}/w", lineSep="|"), lambda spark, T, out: spark.read.text(f"{out}/w", lineSep="|")),
    ("parquet_default", lambda spark, T, out: base(spark).coalesce(1).write.parquet(f"{out}/w"),
     lambda spark, T, out: spark.read.parquet(f"{out}/w")),
    ("parquet_nested", lambda spark, T, out: nested(spark).coalesce(1).write.parquet(f"{out}/w"),
     lambda spark, T, out: spark.read.parquet(f"{out}/w")),
    ("parquet_two_tasks", lambda spark, T, out: base(spark).repartition(2).write.parquet(f"{out}/w"),
     lambda spark, T, out: spark.read.parquet(f"{out}/w")),
    ("parquet_uncompressed", lambda spark, T, out: base(spark).coalesce(1).write.parquet(
        f"{out}/w", compression="none"), lambda spark, T, out: spark.read.parquet(f"{out}/w")),
    ("parquet_zstd", lambda spark, T, out: base(spark).coalesce(1).write.option("compression", "zstd").parquet(
        f"{out}/w"), lambda spark, T, out: spark.read.parquet(f"{out}/w")),
    ("parquet_gzip", lambda spark, T, out: base(spark).coalesce(1).write.format("parquet").save(
        f"{out}/w", compression="gzip"), lambda spark, T, out: spark.read.parquet(f"{out}/w")),
    ("parquet_empty", lambda spark, T, out: spark.createDataFrame([], "a int, b string").write.parquet(f"{out}/w"),
     lambda spark, T, out: spark.read.parquet(f"{out}/w")),
    ("parquet_default_format", lambda spark, T, out: base(spark).coalesce(1).write.save(f"{out}/w"),
     lambda spark, T, out: spark.read.load(f"{out}/w")),
    ("orc_default", lambda spark, T, out: base(spark).coalesce(1).write.orc(f"{out}/w"),
     lambda spark, T, out: spark.read.orc(f"{out}/w")),
    ("orc_snappy", lambda spark, T, out: nested(spark).coalesce(1).write.orc(f"{out}/w", compression="snappy"),
     lambda spark, T, out: spark.read.orc(f"{out}/w")),
    ("orc_uncompressed", lambda spark, T, out: base(spark).select("id", "s").coalesce(1).write.orc(
        f"{out}/w", compression="none"), lambda spark, T, out: spark.read.orc(f"{out}/w")),
    ("partition_escaping", lambda spark, T, out: spark.createDataFrame(
        [(1, "a/b", 1), (2, None, 2), (3, "x y=z%", 3), (4, "", 4), (5, "é:#", 5)], "v int, p string, q int")
     .coalesce(1).write.partitionBy("p", "q").json(f"{out}/w"),
     lambda spark, T, out: spark.read.json(f"{out}/w")),
    ("partition_typed_values", lambda spark, T, out: spark.createDataFrame(
        [(1, datetime.date(2020, 1, 1), datetime.datetime(2020, 1, 1, 10, 30, tzinfo=UTC), 1.5, True)],
        "v int, d date, t timestamp, f double, b boolean").coalesce(1).write.partitionBy("d", "t", "f", "b")
     .parquet(f"{out}/w"), lambda spark, T, out: spark.read.parquet(f"{out}/w")),
    ("partition_timestamp_new_york", lambda spark, T, out: _in_new_york(
        spark, lambda: spark.createDataFrame([(datetime.datetime(2020, 7, 1, 12, tzinfo=UTC), 1)],
                                             "t timestamp, v int").coalesce(1).write.partitionBy("t").csv(
            f"{out}/w")), None),
    ("partition_case_insensitive_name", lambda spark, T, out: spark.createDataFrame(
        [(1, "a")], "v int, Part string").coalesce(1).write.partitionBy("part").parquet(f"{out}/w"),
     lambda spark, T, out: spark.read.parquet(f"{out}/w")),
    ("mode_error_existing", lambda spark, T, out: _twice(base(spark).select("id"), f"{out}/w", "error"), None),
    ("mode_ignore_existing", lambda spark, T, out: _twice(base(spark).select("id"), f"{out}/w", "ignore"),
     lambda spark, T, out: spark.read.csv(f"{out}/w")),
    ("mode_append", lambda spark, T, out: _twice(base(spark).select("id"), f"{out}/w", "append"),
     lambda spark, T, out: spark.read.csv(f"{out}/w")),
    ("mode_overwrite", lambda spark, T, out: _twice(base(spark).select("id"), f"{out}/w", "overwrite"),
     lambda spark, T, out: spark.read.csv(f"{out}/w")),
    ("mode_invalid", lambda spark, T, out: base(spark).write.mode("bogus").csv(f"{out}/w"), None),
    ("error_csv_codec", lambda spark, T, out: base(spark).select("id").write.csv(f"{out}/w", compression="bogus"),
     None),
    ("error_parquet_codec", lambda spark, T, out: base(spark).write.parquet(f"{out}/w", compression="bogus"), None),
    ("error_orc_codec", lambda spark, T, out: base(spark).write.orc(f"{out}/w", compression="bogus"), None),
    ("error_csv_array", lambda spark, T, out: nested(spark).select("arr").write.csv(f"{out}/w"), None),
    ("error_text_not_string", lambda spark, T, out: base(spark).select("id").write.text(f"{out}/w"), None),
    ("error_text_two_columns", lambda spark, T, out: base(spark).select("s", "n").write.text(f"{out}/w"), None),
    ("error_partition_every_column", lambda spark, T, out: base(spark).select("id", "s").write.partitionBy(
        "id", "s").json(f"{out}/w"), None),
    ("error_partition_unknown", lambda spark, T, out: base(spark).write.partitionBy("nope").json(f"{out}/w"),
     None),
    ("error_no_path", lambda spark, T, out: base(spark).write.format("json").save(), None),
    ("error_unknown_format", lambda spark, T, out: base(spark).write.format("nope").save(f"{out}/w"), None),
    ("error_duplicate_columns", lambda spark, T, out: base(spark).select("id", "id").write.json(f"{out}/w"), None),
]


def _twice(df, path: str, mode: str):
    df.coalesce(1).write.csv(path)
    df.where("id > 1").coalesce(1).write.mode(mode).csv(path)


# -- sparklite writes, PySpark reads ---------------------------------------------------------------------

CROSS = [
    ("parquet_atomic", lambda spark, T, out: base(spark).coalesce(1).write.parquet(f"{out}/w"),
     lambda spark, T, out: spark.read.parquet(f"{out}/w")),
    ("parquet_nested", lambda spark, T, out: nested(spark).coalesce(1).write.parquet(f"{out}/w"),
     lambda spark, T, out: spark.read.parquet(f"{out}/w")),
    ("parquet_partitioned", lambda spark, T, out: spark.createDataFrame(
        [(1, "a/b", 1), (2, None, 2), (3, "x y=z%", 3), (4, "", 4)], "v int, p string, q int")
     .coalesce(1).write.partitionBy("p", "q").parquet(f"{out}/w"),
     lambda spark, T, out: spark.read.parquet(f"{out}/w")),
    ("csv_atomic", lambda spark, T, out: base(spark).coalesce(1).write.csv(f"{out}/w", header=True),
     lambda spark, T, out: spark.read.csv(f"{out}/w", header=True, inferSchema=True, multiLine=True)),
    ("csv_edge_strings", lambda spark, T, out: edge_strings(spark).write.csv(f"{out}/w"),
     lambda spark, T, out: spark.read.csv(f"{out}/w", multiLine=True)),
    ("json_atomic", lambda spark, T, out: base(spark).coalesce(1).write.json(f"{out}/w"),
     lambda spark, T, out: spark.read.schema(base(spark).schema).json(f"{out}/w")),
    ("json_nested", lambda spark, T, out: nested(spark).coalesce(1).write.json(f"{out}/w"),
     lambda spark, T, out: spark.read.json(f"{out}/w")),
    ("json_map_keys_must_be_strings", lambda spark, T, out: nested(spark).coalesce(1).write.json(f"{out}/w"),
     lambda spark, T, out: spark.read.schema(nested(spark).schema).json(f"{out}/w")),
    # year 1 is left out: Spark reads ORC dates before 1582 in the hybrid Julian calendar unless the
    # file says otherwise, and pyarrow's ORC writer does not say so
    ("orc_atomic", lambda spark, T, out: base(spark).where("id < 3").coalesce(1).write.orc(f"{out}/w"),
     lambda spark, T, out: spark.read.orc(f"{out}/w")),
    ("orc_nested", lambda spark, T, out: nested(spark).coalesce(1).write.orc(f"{out}/w"),
     lambda spark, T, out: spark.read.orc(f"{out}/w")),
    ("text_lines", lambda spark, T, out: base(spark).select("s").coalesce(1).write.text(f"{out}/w", compression="gzip"),
     lambda spark, T, out: spark.read.text(f"{out}/w")),
]


def encode(value):
    """A collected value as JSON data that keeps its Python type."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return {"float": repr(value)}
    if isinstance(value, decimal.Decimal):
        return {"decimal": str(value)}
    if isinstance(value, datetime.datetime):
        return {"timestamp": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"date": value.isoformat()}
    if isinstance(value, (bytes, bytearray)):
        return {"binary": bytes(value).hex()}
    if isinstance(value, dict):
        return {"map": sorted(([encode(k), encode(v)] for k, v in value.items()), key=repr)}
    if isinstance(value, tuple) and hasattr(value, "__fields__"):
        return {"row": [encode(v) for v in value]}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    raise TypeError(f"cannot encode {value!r}")


def outcome(result) -> dict:
    """What a case gave: a DataFrame's schema and rows, or a plain value."""
    if hasattr(result, "schema") and hasattr(result, "collect"):
        return {"schema": result.schema.json(), "rows": [encode(r) for r in result.collect()]}
    return {"value": encode(result)}


def files_written(out: pathlib.Path) -> dict:
    """The files below ``out`` (the job's uuid masked, Hadoop's checksum files left out) and the text
    of the text formats' ones, decompressed."""
    names, contents = [], []
    for path in sorted(p for p in out.rglob("*") if p.is_file() and not p.name.endswith(".crc")):
        name = UUID.sub("<uuid>", str(path.relative_to(out)))
        names.append(name)
        data = path.read_bytes()
        if name.endswith(".gz"):
            data = gzip.decompress(data)
        elif name.endswith(".bz2"):
            data = bz2.decompress(data)
        if re.search(r"\.(csv|json|txt)(\.gz|\.bz2)?$", name):
            contents.append([name, data.decode("latin-1")])
    return {"files": sorted(names), "contents": sorted(contents)}
