"""Digests and hash codes: ``md5``, ``sha1``/``sha``, ``sha2``, ``crc32``, ``hash`` and ``xxhash64``.

Contract:
* The digests take binary (a string is read as its UTF-8 bytes; other types raise
  ``DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE``) and give lowercase hex strings; ``sha2`` takes 224,
  256, 384, 512 or 0 (= 256) bits and gives NULL for any other length; ``crc32`` gives a bigint.
* ``hash(c1, ...)`` (Murmur3, an int) and ``xxhash64(c1, ...)`` (a bigint) take one or more
  columns of any type but a map (``DATATYPE_MISMATCH.HASH_MAP_TYPE``, as in Spark), are never NULL
  (NULLs leave the seed 42 as it is) and are bit-exact with Spark's: they run
  ``sparklite.sql.execution.hashing`` on whole arrays. The digests loop over rows in Python
  (``hashlib``), as no Arrow kernel computes them.
"""
from __future__ import annotations

import hashlib
import zlib

import pyarrow as pa

from sparklite.sql import types as T
from sparklite.sql.builtins.listkit import orderable
from sparklite.sql.builtins.registry import FunctionSpec, register
from sparklite.sql.builtins.strings import INT, STRING, binary_arg, call_sql, check_arity, integer_arg, rowwise
from sparklite.sql.errors import AnalysisException
from sparklite.sql.execution.hashing import murmur3_hash, xxhash64


_SHA2 = {0: hashlib.sha256, 224: hashlib.sha224, 256: hashlib.sha256, 384: hashlib.sha384, 512: hashlib.sha512}


def _digest_resolver(name: str, result=STRING):
    def resolve(args):
        check_arity(name, args, 1)
        arg = binary_arg(call_sql(name, args), args, 0)
        return [arg], result, arg.nullable
    return resolve


def _digest(algorithm):
    return lambda values, n, call: rowwise(lambda data: algorithm(data).hexdigest(), values, pa.string())


register(FunctionSpec("md5", _digest_resolver("md5"), _digest(hashlib.md5)))
register(FunctionSpec("sha1", _digest_resolver("sha1"), _digest(hashlib.sha1), aliases=("sha",)))
register(FunctionSpec("crc32", _digest_resolver("crc32", T.LongType()),
                      lambda values, n, call: rowwise(zlib.crc32, values, pa.int64())))


def _resolve_sha2(args):
    check_arity("sha2", args, 2)
    sql = call_sql("sha2", args)
    return [binary_arg(sql, args, 0), integer_arg(sql, args, 1)], STRING, True


def _sha2_value(data: bytes, bits: int):
    algorithm = _SHA2.get(bits)
    return None if algorithm is None else algorithm(data).hexdigest()


register(FunctionSpec("sha2", _resolve_sha2, lambda values, n, call: rowwise(_sha2_value, values, pa.string())))


def _hash_resolver(name: str, result):
    def resolve(args):
        check_arity(name, args, at_least=1)
        if not all(orderable(a.data_type) for a in args):   # a map anywhere inside
            raise AnalysisException(errorClass="DATATYPE_MISMATCH.HASH_MAP_TYPE",
                                    messageParameters={"functionName": f"`{name}`",
                                                       "sqlExpr": f'"{call_sql(name, args)}"'})
        return list(args), result, False
    return resolve


register(FunctionSpec("hash", _hash_resolver("hash", INT),
                      lambda values, n, call: pa.array(murmur3_hash(values), pa.int32())))
register(FunctionSpec("xxhash64", _hash_resolver("xxhash64", T.LongType()),
                      lambda values, n, call: pa.array(xxhash64(values), pa.int64())))
