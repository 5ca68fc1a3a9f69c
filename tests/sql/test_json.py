"""The JSON functions beyond their golden cases (``slt/json.slt``): Spark's JSONPath parser, the
Jackson-style writing of values taken out of documents, kernels on many rows and sliced columns,
and the Python API's surface."""
from __future__ import annotations

import pyarrow as pa
import pytest

import sparklite.sql.builtins.jsonfuncs as J
from sparklite.sql import types as T
from sparklite.sql.builtins.registry import lookup
from sparklite.sql.errors import PySparkValueError
from sparklite.sql.functions import jsonfuncs as F_json
from sparklite.sql.plan.expressions import BoundReference, Call, Literal


def run(name: str, columns: list, types: list, literals: tuple = ()) -> list:
    """The SQL function ``name`` on whole Arrow columns, as an executor runs it; ``literals`` are
    trailing string arguments that the function reads at analysis (a schema), so its kernel does not."""
    spec = lookup(name)
    args = [BoundReference(i, t, True) for i, t in enumerate(types)] + [Literal(v, T.StringType()) for v in literals]
    resolved = spec.resolve(args)
    call = Call(spec, *resolved[:3], resolved[3] if len(resolved) > 3 else None)
    assert len(call.children) == len(columns)
    return spec.kernel(columns, len(columns[0]), call).to_pylist()


# -- the JSONPath parser ----------------------------------------------------------------------------

@pytest.mark.parametrize("path, parsed", [
    ("$", []),
    ("$.a", ["key", ("named", "a")]),
    ("$['a b']", ["key", ("named", "a b")]),
    ("$.a[0][*]", ["key", ("named", "a"), "subscript", ("index", 0), "subscript", "wildcard"]),
    (" $ . a [ 1 ] ", ["key", ("named", "a "), "subscript", ("index", 1)]),
    ("$.*", ["wildcard"]),
    ("$['*']", ["wildcard"]),
])
def test_path_parser_reads_spark_s_subset(path, parsed):
    assert J.parse_path(path) == parsed


@pytest.mark.parametrize("path", ["a", "$.", "$[a]", "$..a", "$a", "$[-1]", "$['a'", "$[1"])
def test_path_parser_rejects_what_spark_rejects(path):
    assert J.parse_path(path) is None


# -- writing values back as Jackson does ------------------------------------------------------------

def test_values_are_written_back_compactly_with_java_doubles_and_jackson_escapes():
    document = J.read_document('{ "a" : [1.50, 1e2, -0.0, 12345678901234567890], "s": "\\u0001\\"\\\\/é" }')
    assert J.dumps(document) == '{"a":[1.5,100.0,-0.0,12345678901234567890],"s":"\\u0001\\"\\\\/é"}'


def test_documents_are_read_leniently_as_spark_reads_them_for_paths():
    assert J.get_json_object("{'a': 'x'}", J.parse_path("$.a")) == "x"         # single quotes
    assert J.get_json_object('{"a": "x\ty"}', J.parse_path("$.a")) == "x\ty"   # raw control characters
    assert J.get_json_object('{"a": NaN}', J.parse_path("$.a")) is None
    assert J.get_json_object('{"a": 1} {"a": 2}', J.parse_path("$.a")) == "1"
    assert J.get_json_object('{"a": 1', J.parse_path("$.a")) is None


def test_wildcards_unwrap_a_single_match_and_flatten_double_wildcards():
    doc = '{"a": [{"b": [1, 2]}, {"b": [3]}, {"c": 4}]}'
    assert J.get_json_object(doc, J.parse_path("$.a[*].b")) == "[[1,2],[3]]"
    assert J.get_json_object(doc, J.parse_path("$.a[*].c")) == "4"
    assert J.get_json_object(doc, J.parse_path("$.a[*].b[*]")) == "[[1,2],[3]]"
    assert J.get_json_object('[[1, 2], [3]]', J.parse_path("$[*][*]")) == "[1,2,3]"
    assert J.get_json_object(doc, J.parse_path("$.a[*].d")) is None


# -- kernels on many rows ---------------------------------------------------------------------------

def test_get_json_object_with_a_path_per_row():
    docs = pa.array(['{"a": 1, "b": [2]}', None, '{"a": "x"}', "[]"])
    paths = pa.array(["$.a", "$.a", None, "$[0]"])
    assert run("get_json_object", [docs, paths], [T.StringType(), T.StringType()]) == ["1", None, None, None]


def test_length_and_keys_on_a_sliced_column():
    docs = pa.array(["skip", "[1, [2, 3]]", '{"b": 1, "a": 2, "b": 3}', "1", None]).slice(1)
    assert run("json_array_length", [docs], [T.StringType()]) == [2, None, None, None]
    assert run("json_object_keys", [docs], [T.StringType()]) == [None, ["b", "a", "b"], None, None]


def test_json_tuple_keeps_the_last_occurrence_of_a_key_and_one_row_per_input():
    spec = lookup("json_tuple")
    args = [BoundReference(0, T.StringType(), True), BoundReference(1, T.StringType(), True),
            BoundReference(2, T.StringType(), True)]
    call = Call(spec, *spec.resolve(args))
    outputs, generate = spec.options["generator"]
    assert [name for name, _, _ in outputs(call)] == ["c0", "c1"]
    docs = pa.array(['{"a": 1, "a": 2, "b": null}', "bad", None])
    parent, columns = generate([docs, pa.array(["a", "a", "a"]), pa.array(["b", "a", None])], 3, call)
    assert list(parent) == [0, 1, 2]
    assert [c.to_pylist() for c in columns] == [["2", None, None], [None, None, None]]


def test_from_json_keeps_what_converted_and_reads_strings_as_jackson_writes_them():
    docs = pa.array(['{"a": "x", "b": {"c": [1.50, "y"]}}', "[]", "   ", None])
    schema = "a INT, b STRING"
    assert run("from_json", [docs], [T.StringType()], (schema,)) == [
        {"a": None, "b": '{"c":[1.5,"y"]}'}, {"a": None, "b": None}, None, None]


def test_schema_of_json_prints_spark_s_ddl():
    assert J.schema_of_json('{"b": [{"y": null}], "a": 1e400}', {}) == "STRUCT<a: DOUBLE, b: ARRAY<STRUCT<y: STRING>>>"
    assert J.schema_of_json('[{}]', {}) == "ARRAY<STRUCT<>>"


# -- the Python API ---------------------------------------------------------------------------------

def test_python_api_builds_calls_by_spark_s_names():
    assert F_json.get_json_object("j", "$.a")._expr.sql() == "get_json_object(j, $.a)"
    assert F_json.to_json("s", {"ignoreNullFields": False})._expr.sql() == "to_json(s, map(ignoreNullFields, false))"
    assert F_json.from_json("j", T.ArrayType(T.IntegerType()))._expr.children[1].value == \
        T.ArrayType(T.IntegerType()).json()


def test_json_tuple_needs_a_field():
    with pytest.raises(PySparkValueError):
        F_json.json_tuple("j")
