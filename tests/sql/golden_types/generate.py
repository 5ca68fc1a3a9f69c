"""Regenerate ``types_golden.json`` by running every case of this file on real PySpark.

PySpark is the oracle here: it is needed only to (re)generate the golden file, never to run
sparklite's tests. Run it with a Java 17 runtime on PATH and PySpark 4.3 installed::

    TZ=UTC python tests/sql/golden_types/generate.py          # writes types_golden.json
    TZ=UTC python tests/sql/golden_types/generate.py -o /tmp/x.json

Every case is Python source evaluated in a namespace made of ``PRELUDE`` and the names of
``pyspark.sql.types``; ``tests/sql/test_types.py`` evaluates the same source against
``sparklite.sql.types`` and compares. The file holds five sections:

* ``types``: a data type expression -> its repr, simpleString, typeName, json, class ancestry,
  and for a struct its ``treeString`` (PySpark's and the JVM's, which ``printSchema`` prints)
  and ``toDDL()``;
* ``exprs``: any expression (Row, StructType's API, inference, merging, JSON) -> repr or error;
* ``ddl``: a string -> what ``_parse_datatype_string`` returns or raises;
* ``infer``: (data, column names) -> the schema ``createDataFrame`` infers, or its error;
* ``create``: (data, schema) -> ``createDataFrame(data, schema).collect()`` and its schema, or
  the error. A schema is a DDL string, a ``StructType`` expression, a list of names or None.

An error is recorded as its class name, the builtin exception classes it is an instance of, its
condition, message parameters, SQLSTATE and ``str()`` (without the JVM stack trace and without
object addresses).
The session runs with ``spark.sql.session.timeZone=UTC`` and the process with ``TZ=UTC``: PySpark
converts naive datetimes with the Python process's time zone, so both must agree.
"""
import argparse
import json
import os
import platform
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "types_golden.json")

PRELUDE = '''
import array, collections, copy, datetime, decimal, json, pickle
Point = collections.namedtuple("Point", "x y")
class Obj:
    def __init__(self, **kw):
        self.__dict__.update(kw)
D = decimal.Decimal
dt = datetime.datetime
UTC = datetime.timezone.utc
PLUS2 = datetime.timezone(datetime.timedelta(hours=2))
S = StructType([StructField("a", IntegerType()), StructField("b", StringType(), False)])
NESTED = StructType([
    StructField("id", LongType(), False),
    StructField("name", StringType(), True, {"comment": "the name"}),
    StructField("tags", ArrayType(StringType(), False)),
    StructField("scores", MapType(StringType(), DoubleType())),
    StructField("address", StructType([
        StructField("city", StringType()),
        StructField("geo", StructType([StructField("lat", FloatType()), StructField("lon", FloatType())])),
        StructField("history", ArrayType(StructType([StructField("year", ShortType(), False),
                                                     StructField("note", BinaryType())]))),
    ])),
    StructField("matrix", ArrayType(ArrayType(DecimalType(10, 2)))),
    StructField("lookup", MapType(IntegerType(), MapType(StringType(), ArrayType(DateType())), False)),
    StructField("when", TimestampType()),
    StructField("local", TimestampNTZType()),
    StructField("span", DayTimeIntervalType()),
    StructField("months", YearMonthIntervalType()),
    StructField("flag", BooleanType()),
    StructField("tiny", ByteType()),
    StructField("nothing", NullType()),
    StructField("odd name.with`chars", StringType()),
    StructField("tab\\there", IntegerType()),
])
'''

TYPES = [
    "NullType()", "StringType()", "StringType('UTF8_LCASE')", "CharType(5)", "VarcharType(10)",
    "BinaryType()", "BooleanType()", "DateType()", "TimestampType()", "TimestampNTZType()",
    "DecimalType()", "DecimalType(10, 2)", "DecimalType(38, 18)", "DoubleType()", "FloatType()",
    "ByteType()", "ShortType()", "IntegerType()", "LongType()",
    "DayTimeIntervalType()", "DayTimeIntervalType(1)", "DayTimeIntervalType(0, 2)",
    "DayTimeIntervalType(3, 3)", "YearMonthIntervalType()", "YearMonthIntervalType(1)",
    "YearMonthIntervalType(0, 0)", "CalendarIntervalType()", "TimeType()", "TimeType(3)",
    "ArrayType(IntegerType())", "ArrayType(StringType(), False)", "ArrayType(ArrayType(DateType()), True)",
    "MapType(StringType(), LongType())", "MapType(IntegerType(), ArrayType(DoubleType()), False)",
    "StructType()", "S", "NESTED",
    "StructType([StructField('a', DecimalType(5, 2), False, {'comment': \"it's\"})])",
    "StructType([StructField('1a', IntegerType()), StructField('123', IntegerType()), "
    "StructField('_x', IntegerType()), StructField('a b', IntegerType()), StructField('select', IntegerType()), "
    "StructField('A', IntegerType()), StructField('', IntegerType())])",
    "StructType([StructField('s', StructType([StructField('x', IntegerType(), False, {'comment': 'c'})]))])",
]

EXPRS = [
    # equality, hashing, singletons
    "IntegerType() == IntegerType()", "IntegerType() is IntegerType()", "LongType() is LongType()",
    "StringType() is StringType()", "DecimalType() is DecimalType()", "TimestampType() is TimestampType()",
    "NullType() is NullType()", "DecimalType(10, 2) == DecimalType(10, 2)", "DecimalType(10, 2) == DecimalType(10, 3)",
    "hash(DecimalType(10, 2)) == hash(DecimalType(10, 2))",
    "ArrayType(IntegerType()) == ArrayType(IntegerType(), True)",
    "ArrayType(IntegerType()) == ArrayType(IntegerType(), False)", "IntegerType() != LongType()",
    "StructField('a', IntegerType()) == StructField('a', IntegerType(), True, {})",
    "StructField('a', IntegerType(), metadata={'x': 1}) == StructField('a', IntegerType())",
    "StringType() == CharType(3)", "S == StructType.fromJson(json.loads(S.json()))",
    "NESTED == _parse_datatype_json_string(NESTED.json())", "str(IntegerType())", "str(S)",
    "DayTimeIntervalType(5)", "DayTimeIntervalType(0, 7)", "YearMonthIntervalType(2)",
    "StructField('a', IntegerType()).typeName()", "StructField('a', IntegerType())",
    "StructField('a', IntegerType()).simpleString()", "StructField('a', IntegerType(), False, {'k': 1}).jsonValue()",
    "StructField('a', IntegerType(), metadata=None).metadata",
    "IntegerType().typeName()", "LongType.typeName()", "DecimalType(5, 1).hasPrecisionInfo",
    "S.typeName()", "ArrayType.typeName()",
    # StructType's API
    "S['a']", "S[1]", "S[-1]", "S[5]", "S['z']", "S[1.5]", "S[0:1]", "S[:]", "list(S)", "len(S)",
    "'a' in S", "S['a'] in S", "S.fieldNames()", "S.names", "S.fields", "S.simpleString()", "S.jsonValue()",
    "StructType().add('a', IntegerType())", "StructType().add('a', 'integer')", "StructType().add('a', 'int')",
    "StructType().add('a', 'decimal(5,2)', False, {'k': 1})", "StructType().add('a', 'long').fields[0].metadata",
    "StructType().add(StructField('x', LongType()))", "StructType().add('a')",
    "StructType().add('a', IntegerType()).add('b', StringType(), False).names",
    "StructType([StructField('a', ArrayType(IntegerType(), False), False)]).toNullable()",
    "MapType(StringType(), ArrayType(IntegerType(), False), False).toNullable()",
    "StructType([]).treeString()", "S.treeString(1)", "NESTED.treeString(2)", "NESTED.treeString(0)",
    "StructType([StructField('a', IntegerType())]) == StructType([StructField('a', IntegerType())])",
    # internal conversions
    "DateType().toInternal(datetime.date(2020, 1, 2))", "DateType().fromInternal(18263)",
    "DateType().toInternal(None)", "TimestampNTZType().toInternal(dt(2020, 1, 1, 0, 0, 1, 5))",
    "TimestampNTZType().fromInternal(1577836801000005)",
    "TimestampType().toInternal(dt(2020, 1, 1, tzinfo=UTC))", "TimestampType().toInternal(dt(2020, 1, 1))",
    "TimestampType().fromInternal(1577836801000005)",
    "DayTimeIntervalType().toInternal(datetime.timedelta(days=1, microseconds=3))",
    "DayTimeIntervalType().fromInternal(86400000003)", "ArrayType(DateType()).fromInternal([0, None])",
    "ArrayType(IntegerType()).toInternal([1, 2])", "MapType(StringType(), DateType()).fromInternal({'a': 1})",
    "StructType([StructField('d', DateType())]).fromInternal((0,))", "S.toInternal({'a': 1, 'b': 'x'})",
    "S.toInternal(Row(a=1, b='x'))", "S.toInternal([1, 'x'])", "S.toInternal(Obj(a=1, b='x'))",
    "S.fromInternal((1, 'x'))", "S.toInternal(5)", "IntegerType().needConversion()",
    "ArrayType(DateType()).needConversion()", "MapType(StringType(), IntegerType()).needConversion()",
    "S.needConversion()", "TimeType().toInternal(datetime.time(1, 2, 3, 4))", "TimeType().fromInternal(3723000004000)",
    # JSON
    "_parse_datatype_json_string('\"integer\"')", "_parse_datatype_json_string('\"decimal(5,2)\"')",
    "_parse_datatype_json_string('\"decimal(5, 2)\"')", "_parse_datatype_json_string('\"decimal\"')",
    "_parse_datatype_json_string('\"bogus\"')", "_parse_datatype_json_string('\"int\"')",
    "_parse_datatype_json_string('\"interval day to second\"')", "_parse_datatype_json_string('\"interval hour\"')",
    "_parse_datatype_json_string('\"interval year to month\"')", "_parse_datatype_json_string('\"timestamp_ntz\"')",
    "_parse_datatype_json_string('\"void\"')", "_parse_datatype_json_string('\"char(3)\"')",
    "_parse_datatype_json_string('\"varchar(4)\"')", "_parse_datatype_json_string('\"string collate UTF8_LCASE\"')",
    "_parse_datatype_json_string('\"interval\"')", "_parse_datatype_json_string('\"time(6)\"')",
    "_parse_datatype_json_string('{\"type\": \"thing\"}')",
    "_parse_datatype_json_string('{\"type\":\"array\",\"elementType\":\"long\",\"containsNull\":false}')",
    "_parse_datatype_json_string('{\"type\":\"struct\",\"fields\":[{\"name\":\"a\",\"type\":\"short\"}]}')",
    "DataType.fromDDL('a int, b string')", "DataType.fromDDL('decimal(10,10)')", "DataType.fromDDL('b: string')",
    "NESTED.json()", "ArrayType(IntegerType()).json()", "DecimalType(3, 1).jsonValue()",
    # Row
    "Row(a=1, b='x')", "Row('a', 'b')", "Row('a', 'b')(1, 2)", "Row('a', 'b')(1, 2, 3)", "Row('a', 'b')(1)",
    "Row(1, 'x')", "Row(1, a=2)", "Row(a=1, b=2).asDict()", "Row(a=Row(b=1)).asDict()",
    "Row(a=Row(b=[Row(c=1)], d={'k': Row(e=2)})).asDict(True)", "Row(a=Row(b=[Row(c=1)])).asDict(recursive=True)",
    "Row(1, 2).asDict()", "Row(a=1).b", "Row(a=1)['b']", "Row(a=1)[0]", "Row(a=1)[1]", "Row(a=1, b=2)[0:1]",
    "Row(a=1, b=2)['b']", "Row(a=1).a", "'a' in Row(a=1)", "1 in Row(a=1)", "1 in Row(1, 2)",
    "Row(a=1) == (1,)", "Row(a=1) == Row(b=1)", "Row(a=1, b=2) < Row(a=1, b=3)", "hash(Row(a=1)) == hash((1,))",
    "Row(a=1).__fields__", "pickle.loads(pickle.dumps(Row(a=1, b=[1, 2])))",
    "pickle.loads(pickle.dumps(Row('a', 'b')))", "pickle.loads(pickle.dumps(Row(a=1))).__fields__",
    "copy.copy(Row(a=1, b=Row(c=2)))", "copy.deepcopy(Row(a=[1]))", "Row(b=2, a=1)", "Row(**{'a b': 1})",
    "Row(a=None)", "Row()", "Row(a=1).count(1)", "Row(a=1, b=1).index(1)", "setattr(Row(a=1), 'a', 2)",
    "Row(a=1).__missing__", "len(Row(a=1, b=2))", "tuple(Row(a=1, b=2))", "Row(a=1, b='x')._fields",
    "isinstance(Row(a=1), tuple)", "Row(a=D('1.5'), b=dt(2020, 1, 1), c=b'x')",
    "Row('a', 'b')(1, 2).asDict()", "Row('a')(Row('b')(1))",
    # type inference and merging
    "_infer_type(1)", "_infer_type(2 ** 70)", "_infer_type(1.5)", "_infer_type('a')", "_infer_type(True)",
    "_infer_type(b'x')", "_infer_type(bytearray(b'x'))", "_infer_type(datetime.date(2020, 1, 1))",
    "_infer_type(dt(2020, 1, 1))", "_infer_type(dt(2020, 1, 1, tzinfo=UTC))", "_infer_type(datetime.timedelta(1))",
    "_infer_type(D('1.5'))", "_infer_type(None)", "_infer_type(datetime.time(1, 2))", "_infer_type([1, 2])",
    "_infer_type([1, None])", "_infer_type([])", "_infer_type([None])", "_infer_type([1, 'a'])",
    "_infer_type([1, 1.5])",
    "_infer_type({'a': 1})", "_infer_type({})", "_infer_type({'a': None})", "_infer_type({None: 1})",
    "_infer_type({'a': 1, 'b': 'x'})", "_infer_type({1: [1], 2: [None]})", "_infer_type((1, 'a'))",
    "_infer_type(Row(a=1, b=[1]))", "_infer_type(Point(1, 2.5))", "_infer_type(Obj(b=1, a='x'))",
    "_infer_type(array.array('i', [1]))", "_infer_type(array.array('d', [1.0]))", "_infer_type(array.array('b', [1]))",
    "_infer_type(array.array('q', [1]))", "_infer_type(object())", "_infer_type([[1], [None]])",
    "_infer_type([{'a': 1}, {'b': 2.5}])", "_infer_type([(1, 'a'), (2, None)])", "_infer_type([Row(a=1), Row(b=2)])",
    "_infer_schema({'b': 1, 'a': 'x'})", "_infer_schema((1, 'x'))", "_infer_schema((1, 'x'), ['p'])",
    "_infer_schema((1, 'x'), ['p', 'q', 'r'])", "_infer_schema(Row(b=1, a=2))", "_infer_schema(5)",
    "_infer_schema([1, 2])", "_infer_schema(Point(1, None))", "_infer_schema(Obj(z=1, y=[D('1')]))",
    "_infer_schema((object(),))", "_infer_schema('ab')",
    "_merge_type(LongType(), DoubleType())", "_merge_type(NullType(), LongType())",
    "_merge_type(LongType(), NullType())",
    "_merge_type(LongType(), StringType())", "_merge_type(StringType(), BooleanType())",
    "_merge_type(TimestampType(), TimestampNTZType())", "_merge_type(TimestampNTZType(), TimestampType())",
    "_merge_type(StructType([StructField('a', LongType())]), StructType([StructField('b', StringType())]))",
    "_merge_type(StructType([StructField('a', LongType(), False)]), StructType([StructField('a', NullType())]))",
    "_merge_type(ArrayType(LongType(), False), ArrayType(NullType()))",
    "_merge_type(MapType(StringType(), LongType()), MapType(StringType(), DoubleType()))",
    "_merge_type(DecimalType(10, 2), DecimalType(5, 1))", "_merge_type(IntegerType(), LongType())",
    "_merge_type(ArrayType(LongType()), LongType())", "_merge_type(StringType(), ArrayType(LongType()))",
    "_merge_type(DateType(), TimestampType())",
]

DDL = [
    "a INT, b STRING", "a: int, b: string", "struct<a:int,b:string>", "int", "array<int>", "map<string,int>",
    "decimal(10,2)", "decimal", "dec(5,1)", "numeric", "numeric(7, 3)", "INTEGER", "Int", "long", "bigint", "short",
    "smallint", "byte", "tinyint", "float", "real", "double", "boolean", "string", "binary", "date", "timestamp",
    "timestamp_ntz", "timestamp_ltz", "void", "char(5)", "varchar(7)", "character(3)", "interval",
    "interval day to second", "interval day", "interval hour to minute", "interval minute to second",
    "interval second", "interval year to month", "interval year", "interval month", "INTERVAL DAY TO HOUR",
    "a int not null, b string comment 'hi there'", "`a b` int, `c``d` string",
    "a struct<x: int not null, y: array<map<string, int>>>", "a int, a string", "", "  int  ", "x array<struct<a:int>>",
    "struct<a int, b string>", "struct<>", "a struct<>", "a: array<int>", "a:int", "a : int", "1a int",
    "a int comment \"dq\"", "a varchar(3) not null comment 'c'", "a: int not null", "STRUCT<a: INT COMMENT 'x'>",
    "a int -- trailing comment", "a int /* block */, b long", "a\tint,\nb string", "a INT COMMENT 'it''s'",
    "a INT COMMENT 'it\\'s'", "a INT COMMENT 'tab\\there'", "a timestamp with local time zone",
    "a struct<b:int>not null", "x int, X string", "a struct<x: int, y int>", "a struct<x int not null comment 'c'>",
    "a struct<`x y`: int>", "a decimal(10)", "a decimal(0,0)", "a interval second", "a interval",
    "a array<interval>", "a map<struct<k: int>, array<map<string, decimal(20, 5)>>>",
    "string collate UTF8_LCASE", "a string collate UTF8_LCASE", "time", "a time(3)", "a long, b short, c byte",
    "A BIGINT NOT NULL COMMENT 'x', B ARRAY<STRUCT<C: DATE>>", "select int", "`` int",
    # errors
    "bool", "a int,", "blah", "a int b", "array<int", "decimal(10,2,3)", "map<int>", "decimal(40,2)",
    "decimal(5,6)", "a int NOT NULL DEFAULT 5", "x double precision", "a decimal(40,2)", "a int not",
    "a int not null,", "a int comment", "a int comment 5", "a map<string>", "a array<>", "a struct<x int",
    ",a int", "a, b int", "a int,,b int", "a 1", "a int)", "a: int, b", "struct<a:int>, b int",
    "a struct<x:int,>", "array<int>>", "a decimal(a,b)", "a char", "a varchar", "a interval day to year",
    "a interval minute to hour", "a bool", "a int not null not null", "a int comment 'x' not null",
    "x int, y ARRAY<STRING NOT NULL>", "select", "a select", "`a int", "a 'int'", "a.b int", "a-b int",
    "a int comment 'x' comment 'y'", "a map<string, int not null>", "a array<int not null>",
    "a struct<x: array<int>", "a struct<x: int, y: array<int>>>", "a struct<x: array<int>> b",
    "a array<array<int>", "a array<bogus>", "a array<int>, b map<int,>", "a array<char>", "a array<bool>",
    "a array<decimal(40,1)>", "a decimal(5,6)", "a map<string,int>>", "a struct<x: bogus>", "a int, b bogus(3)",
    "a decimal(10, -1)", "a char(3,4)", "a int(3)", "a interval year to day", "a int not null x",
    "a int not x", "a int not , b int", "a decimal(10", "a decimal(10 b", "a array<int> b c", "a int, b",
    "a int, b int not", "a array<int> not null comment", "a struct<x: int> comment 'c' extra", "a int comment 'x' ,",
    "a @ int", "a int; b int", "a int, b decimal(39, 1)", "a int, b decimal(10, 11)", "a bogus, b int,",
    "a bogus, b bogus2", "a array<int", "a map<int, string", "a array<int>>, b int", "a 1.5", "a int 1.5",
    "a struct<x: int>>", "a int /* unclosed", "a int comment 'x' extra", "a array<int> not null extra",
    "a array<int> x, b int", "a int x, b int", "a int 5", "a int not null 5 6", "a struct", "a array, b int", "a map",
    "名前 int", "a int not x null", "a int ,", "a int, , b int", "a decimal(10,2) x", "a decimal(10,2) 5", "a int (",
    "a int <", "a int >", "a int =", "a int 'x'", "a int ;", "a int comment 'x' 5", "a string collate",
    "a array<int> comment 'x'", "a int not null comment 'x' y", "a decimal(40, 41)", "a decimal(10,2,3)",
    "a character", "a Bogus(3, 4)", "a timestamp without time zone", "a interval month to month",
    "a interval day to day", "a interval day to minute", "a `int`", "a string(3)",
    "a int comment 'x', b long not null",
    "a struct<x: int not null>, b map<string, array<struct<y: date>>> comment 'm'",
    "a map<int, string>", "`a` int, `b c` string not null", "a array<struct<x: int, y: array<int>>>",
    "a\nint,\nb bogus", "a int,\n b int b", "a time(7)", "a decimal(38, 38)", "10L int", "1e3 int",
    "a int, b int, c int,,", "a struct<x: int> x", "a struct<x: int>, b int c", "a map<int, int> not null x",
]

INFER = [
    ("[(1, 1.5, 'x', True, b'b', None)]", None), ("[(1,), (None,)]", None), ("[(None,), (None,)]", None),
    ("[(1,), (1.5,)]", None), ("[(1,), ('a',)]", None), ("[([],)]", None), ("[({},)]", None),
    ("[(1,), (1, 2)]", None), ("[Row(a=1), Row(b=2)]", None), ("[1, 2]", None), ("[]", None),
    ("[{'b': 1, 'a': 'x'}, {'c': None, 'a': 'y'}]", None), ("[(1, 'x')]", "['p', 'q']"),
    ("[(1, 'x')]", "['p']"), ("[{'b': 1, 'a': 2}]", "['x', 'y']"), ("[Point(1, 2.0), Point(3, None)]", None),
    ("[Obj(b=1, a='x')]", None), ("[(dt(2020, 1, 1), dt(2020, 1, 1, tzinfo=UTC), datetime.date(2020, 1, 1))]", None),
    ("[(datetime.timedelta(1), D('1.50'), bytearray(b'x'))]", None),
    ("[([1, None], {'k': [1.5]}, Row(x=None, y=1))]", None),
    ("[([1],), ([1.5],)]", None), ("[(Row(a=1),), (Row(a=None, b='x'),)]", None), ("[((1, 'a'),)]", None),
    ("[(object(),)]", None), ("[[1, 'a'], [2, 'b']]", None), ("[(1, None)]", None),
    ("[(array.array('i', [1, 2]),)]", None), ("[(2 ** 63,)]", None), ("[('a',), (None,), ('b',)]", None),
]

NESTED_DDL = ("s struct<a:int,b:string>, arr array<struct<p:int>>, m map<string, struct<q:int>>")
CREATE = [
    # every type, with nulls
    ("[(1, 2, 3, 4, 1.5, 2.5, D('1.25'), 'x', b'ab', True, datetime.date(2020, 2, 3)), (None,) * 11]",
     "'a tinyint, b smallint, c int, d bigint, e float, f double, g decimal(5,2), h string, i binary, "
     "j boolean, k date'"),
    ("[(dt(2020, 1, 1, 12, 0, 0, 123456), dt(2020, 1, 1, 12, tzinfo=PLUS2), dt(2020, 1, 1, 12, 0, 0, 123456), "
     "dt(2020, 1, 1, 12, tzinfo=PLUS2)), (None, None, None, None)]",
     "'a timestamp, b timestamp, c timestamp_ntz, d timestamp_ntz'"),
    ("[(dt(1, 1, 1), dt(9999, 12, 31, 23, 59, 59, 999999), dt(1969, 12, 31, 23, 59, 59, 999999))]",
     "'a timestamp_ntz, b timestamp_ntz, c timestamp'"),
    ("[(datetime.time(1, 2, 3, 4), None)]", "'a time, b time(3)'"),
    ("[(dt(2021, 3, 14, 1, 2, 3, 4, tzinfo=UTC), [dt(2021, 1, 1)], {'k': dt(2021, 1, 1, tzinfo=PLUS2)})]",
     "'a timestamp, b array<timestamp>, c map<string, timestamp_ntz>'"),
    ("[(datetime.timedelta(days=1, microseconds=5), datetime.timedelta(hours=-3), None)]",
     "'x interval day to second, y interval hour, z interval day to second'"),
    ("[(float('nan'), float('inf'), float('-inf'), -0.0)]", "'x double, y float, z double, w double'"),
    ("[(2 ** 63 - 1, -2 ** 63, 127, -128, 32767, -32768, 2 ** 31 - 1, -2 ** 31)]",
     "'a long, b long, c byte, d byte, e short, f short, g int, h int'"),
    ("[(1.0000001, 3.4e38, 1e-45)]", "'a float, b float, c float'"),
    ("[(D('1.235'), D('-1.235'), D('12345678901234567890.123456789012345678'), D('1E+2'), D('NaN'))]",
     "'a decimal(5,2), b decimal(5,2), c decimal(38,18), d decimal(10,0), e decimal(5,2)'"),
    ("[(dt(2020, 1, 2, 3, 4), None)]", "'x date, y date'"),
    ("[(1, True, 1.5, [1], {'a': 1}, D('1.5'), b'x', datetime.date(2020, 1, 1), ('t',), None)]",
     "'a string, b string, c string, d string, e string, f string, g string, h string, i string, j string'"),
    ("[(None,)]", "'x void'"),
    ("[([1, None, 3], (1, 2), [], None)]", "'a array<int>, b array<int>, c array<string>, d array<int>'"),
    ("[({'a': 1, 'b': None}, {}, None, {1: [D('1.5')]})]",
     "'a map<string,int>, b map<string,int>, c map<string,int>, d map<int, array<decimal(3,1)>>'"),
    ("[((1, 'x'), [Row(p=1), (2,), {'p': 3}, None], {'k': {'q': 2}, 'n': None})]", repr(NESTED_DDL)),
    ("[(Row(a=1, b='x'), [], {}), (None, None, None), ({'b': 'y', 'a': 2}, [None], {'z': Row(q=None)})]",
     repr(NESTED_DDL)),
    ("[(Obj(a=5, b='o'), [Obj(p=7)], {})]", repr(NESTED_DDL)),
    ("[([[1, 2], [], None, [None]],)]", "'x array<array<int>>'"),
    ("[({'a': [{'b': (D('1.1'), [b'x'])}]},)]",
     "'x map<string, array<map<string, struct<d: decimal(2,1), e: array<binary>>>>>'"),
    ("[Row(b=1, a='x')]", "'a string, b int'"), ("[Row(b='x', a=1)]", "'a string, b int'"),
    ("[{'b': 1, 'a': 'x'}]", "'a string, b int'"), ("[{'b': 1}]", "'a string, b int'"),
    ("[Point(1, 2)]", "'y long, x long'"), ("[[1, 'x'], (2, 'y')]", "'n int, s string'"),
    ("[Obj(b=1, a='x')]", "'a string, b int'"),
    ("[(1, 'a'), (2, 'b')]", "['p', 'q']"), ("[(1, 'a'), (2, None)]", None),
    ("[{'b': 1, 'a': 'x'}, {'a': 'y', 'c': [1.5]}]", None), ("[Row(x=1, y=Row(z=[1, 2]))]", None),
    ("[(dt(2020, 5, 17, 1, 2, 3), datetime.timedelta(seconds=1), D('3.14'), bytearray(b'b'))]", None),
    ("[({'k': None},)]", None), ("[((1, (2.5, 'x')),)]", None),
    ("[(1, 2)]", "S"), ("[(1, None)]", "S"), ("[(None, 'x')]", "S"),
    ("[(1,)]", "StructType([StructField('a', ArrayType(IntegerType(), False))])"),
    ("[([1, None],)]", "StructType([StructField('a', ArrayType(IntegerType(), False))])"),
    ("[({'a': None},)]", "StructType([StructField('m', MapType(StringType(), IntegerType(), False))])"),
    ("[({None: 1},)]", "'m map<string,int>'"), ("[((None,),)]", "'s struct<a: int not null>'"),
    ("[(Row(a=None),)]", "'s struct<a: int not null>'"), ("[({'b': 1},)]", "'s struct<a: int not null>'"),
    # errors
    ("[('a',)]", "'x int'"), ("[(None,)]", "'x int not null'"), ("[(1,), ('a',)]", "'x int'"),
    ("[(1, 2)]", "'x int'"), ("[()]", "'x int'"), ("[(2 ** 31,)]", "'x int'"), ("[(-2 ** 31 - 1,)]", "'x int'"),
    ("[(200,)]", "'x tinyint'"), ("[(-129,)]", "'x tinyint'"), ("[(40000,)]", "'x smallint'"),
    ("[(2 ** 63,)]", "'x bigint'"), ("[1, 2]", "'x int'"), ("[(1,)]", "'x double'"), ("[(1.5,)]", "'x decimal(5,2)'"),
    ("[(1,)]", "'x boolean'"), ("[(datetime.date(2020, 1, 2),)]", "'x timestamp'"), ("[(True,)]", "'x int'"),
    ("[('2020-01-01',)]", "'x date'"), ("[(1,)]", "'x binary'"), ("[('ab',)]", "'x binary'"),
    ("[(1,)]", "'x interval day to second'"), ("[(D('12345.678'),)]", "'x decimal(5,2)'"),
    ("[(D('1'),)]", "'x decimal(38,38)'"),
    ("[((1, 2),)]", "'s struct<a:int,b:int,c:int>'"), ("[(('x', 2),)]", "'s struct<a:int,b:int>'"),
    ("[(5,)]", "'s struct<a:int>'"), ("[([1, 'x'],)]", "'s array<int>'"), ("[('abc',)]", "'s array<string>'"),
    ("[({1: 'a'},)]", "'m map<string,string>'"), ("[([('a', 1)],)]", "'m map<string,int>'"),
    ("[([Row(p='x')],)]", "'arr array<struct<p:int>>'"), ("[({'k': {'q': 'x'}},)]", "'m map<string, struct<q:int>>'"),
    ("[(1.5,)]", "'x float'"), ("[(1,)]", "'x float'"), ("[(object(),)]", "'x int'"), ("[object()]", "'x int'"),
    ("[(1,)]", "'x void'"), ("[(5,)]", "'x interval year to month'"), ("[(dt(2020, 1, 1),)]", "'x date, y int'"),
    ("[('x', 'y')]", "'a int, b int'"),
]


def namespace():
    import pyspark.sql.types as types
    names = {name: getattr(types, name) for name in dir(types) if not name.startswith("__")}
    exec(PRELUDE, names)
    return names


def without_addresses(text):
    """An object's repr without its address (``<object object at 0x?>``), so the file is stable."""
    return re.sub(r" at 0x[0-9a-f]+", " at 0x?", text) if isinstance(text, str) else text


def error_record(error):
    record = {"error": type(error).__name__,
              "bases": sorted(b.__name__ for b in (ValueError, TypeError, KeyError, IndexError, AttributeError,
                                                   RuntimeError, AssertionError) if isinstance(error, b)),
              "str": without_addresses(str(error).split("\n\nJVM stacktrace:")[0])}
    if hasattr(error, "getCondition"):
        record["condition"] = error.getCondition()
        parameters = error.getMessageParameters()
        record["params"] = None if parameters is None else {k: without_addresses(v) for k, v in parameters.items()}
        record["sqlstate"] = error.getSqlState()
    return record


def evaluate(source, names):
    try:
        return {"repr": repr(eval(source, names))}
    except Exception as error:  # noqa: BLE001 - every error is a recorded outcome
        return error_record(error)


def type_record(source, names, spark):
    from pyspark.sql.types import StructType
    value = eval(source, names)
    record = {"repr": repr(value), "simpleString": value.simpleString(), "json": value.json(),
              "needConversion": value.needConversion(), "hash_is_hash_of_repr": hash(value) == hash(repr(value)),
              "ancestry": [c.__name__ for c in type(value).__mro__]}
    record["typeName"] = evaluate("value.typeName()", dict(names, value=value))
    if isinstance(value, StructType):
        record["treeString"] = value.treeString()
        try:
            jvm_type = spark._jvm.org.apache.spark.sql.types.DataType.fromJson(value.json())
            record["jvm_treeString"] = jvm_type.treeString()
        except Exception as error:  # noqa: BLE001
            record["jvm_treeString"] = error_record(error)
        record["toDDL"] = evaluate("value.toDDL()", dict(names, value=value))
    return record


def create_record(data_source, schema_source, names, spark):
    try:
        data = eval(data_source, names)
        schema = None if schema_source is None else eval(schema_source, names)
        frame = spark.createDataFrame(data, schema)
        return {"schema": repr(frame.schema), "rows": repr(frame.collect())}
    except Exception as error:  # noqa: BLE001
        return error_record(error)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-o", "--output", default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if os.environ.get("TZ") != "UTC":
        os.execve(sys.executable, [sys.executable, os.path.abspath(__file__)] + sys.argv[1:],
                  dict(os.environ, TZ="UTC"))
    os.environ["PYSPARK_PYTHON"] = sys.executable
    import pyspark
    from pyspark.sql import SparkSession
    from pyspark.sql.types import _parse_datatype_string

    spark = (SparkSession.builder.master("local[2]").config("spark.sql.session.timeZone", "UTC")
             .config("spark.ui.enabled", "false").getOrCreate())
    spark.sparkContext.setLogLevel("OFF")
    names = namespace()
    try:
        golden = {
            "prelude": PRELUDE,
            "types": {source: type_record(source, names, spark) for source in TYPES},
            "exprs": {source: evaluate(source, names) for source in EXPRS},
            "ddl": {text: evaluate(f"_parse_datatype_string({text!r})", names) for text in DDL},
            "infer": [{"data": data, "names": columns,
                       "result": evaluate(f"spark.createDataFrame({data}, {columns}).schema", dict(names, spark=spark))}
                      for data, columns in INFER],
            "create": [{"data": data, "schema": schema, "result": create_record(data, schema, names, spark)}
                       for data, schema in CREATE],
        }
        for text, record in golden["ddl"].items():
            if "repr" in record:
                record["json"] = _parse_datatype_string(text).json()
    finally:
        spark.stop()
    golden["__meta__"] = {"pyspark": pyspark.__version__, "python": platform.python_version(), "TZ": "UTC",
                          "spark.sql.session.timeZone": "UTC"}
    with open(args.output, "w", encoding="utf-8") as out:
        json.dump(golden, out, indent=1, ensure_ascii=False, allow_nan=False)
        out.write("\n")
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
