"""Reading and writing files: textFile, wholeTextFiles, binaryFiles, binaryRecords, pickle files,
saveAsTextFile and files shipped to tasks with addFile. PySpark (Hadoop's input formats) is the oracle."""
from __future__ import annotations

import datetime
import decimal
import gzip
import os
import uuid

import numpy as np
import pytest

from sparklite import SparkFiles, SparkJobError


def _write(path, data: bytes):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _lines_of(text: str) -> list:
    """What Hadoop's LineRecordReader yields: lines ended by \\n, \\r or \\r\\n; no empty last line."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _sample_text(n_lines: int = 60) -> str:
    # Lines of very different lengths (including empty ones and one longer than most splits).
    lines = []
    for i in range(n_lines):
        if i % 7 == 3:
            lines.append("")
        elif i == 20:
            lines.append("L" * 700)
        else:
            lines.append(f"line {i} " + "x" * (i * 13 % 41) + " é")
    return "\n".join(lines)


class _Box:
    """A user-defined class, to check objects survive pickle files."""

    def __init__(self, a, b):
        self.a, self.b = a, b

    def __eq__(self, other):
        return type(other) is _Box and (self.a, self.b) == (other.a, other.b)

    def __repr__(self):
        return f"_Box({self.a!r}, {self.b!r})"


# -- textFile ------------------------------------------------------------------------------------

@pytest.mark.parametrize("trailing_newline", [True, False])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("min_partitions", [1, 2, 3, 5, 8, 17, 64])
def test_textfile_reads_every_line_exactly_once_across_splits(sc, tmp_path, min_partitions, newline,
                                                               trailing_newline):
    text = _sample_text().replace("\n", newline) + (newline if trailing_newline else "")
    path = _write(tmp_path / "input.txt", text.encode("utf-8"))
    rdd = sc.textFile(str(path), min_partitions)
    assert rdd.getNumPartitions() >= min_partitions  # the file really is cut into several splits
    assert rdd.collect() == _lines_of(text)
    # Each split holds whole lines, in file order.
    assert [line for part in rdd.glom().collect() for line in part] == _lines_of(text)
    assert rdd.count() == len(_lines_of(text))


@pytest.mark.parametrize("min_partitions", [1, 3, 10])
def test_textfile_lines_that_start_exactly_at_split_boundaries(sc, tmp_path, min_partitions):
    # 10-byte lines (9 chars + "\n") so split boundaries often fall right at a line start.
    text = "".join(f"{i:09d}\n" for i in range(40))
    path = _write(tmp_path / "fixed.txt", text.encode())
    for n in (min_partitions, min_partitions + 1, 4, 40):
        assert sc.textFile(str(path), n).collect() == [f"{i:09d}" for i in range(40)]


def test_textfile_empty_lines_and_blank_file_content(sc, tmp_path):
    path = _write(tmp_path / "blanks.txt", b"\n\na\n\n\nb\n\n")
    assert sc.textFile(str(path), 3).collect() == ["", "", "a", "", "", "b", ""]
    only_newlines = _write(tmp_path / "newlines.txt", b"\n" * 25)
    assert sc.textFile(str(only_newlines), 4).collect() == [""] * 25


def test_textfile_of_an_empty_file_is_empty(sc, tmp_path):
    path = _write(tmp_path / "empty.txt", b"")
    rdd = sc.textFile(str(path), 4)
    assert rdd.collect() == []
    assert rdd.count() == 0


def test_textfile_crlf_lines_keep_other_unicode_separators(sc, tmp_path):
    # Hadoop ends lines only at \n, \r and \r\n; form feeds, \x1c-\x1e, \x85 and U+2028/9 are line content.
    text = "a\x0cb\r\nc\u2028d\r\ne\x1cf\x85g\r\n"
    path = _write(tmp_path / "crlf_special.txt", text.encode("utf-8"))
    assert sc.textFile(str(path), 1).collect() == ["a\x0cb", "c\u2028d", "e\x1cf\x85g"]


def test_textfile_lf_lines_keep_unicode_separators(sc, tmp_path):
    text = "a\x0cb\nc\u2028d\n"
    path = _write(tmp_path / "lf_special.txt", text.encode("utf-8"))
    assert sc.textFile(str(path), 1).collect() == ["a\x0cb", "c\u2028d"]


def test_textfile_use_unicode_false_gives_bytes(sc, tmp_path):
    path = _write(tmp_path / "bytes.txt", "héllo\nwörld\n".encode("utf-8"))
    assert sc.textFile(str(path), 2, use_unicode=False).collect() == ["héllo".encode(), "wörld".encode()]


def test_textfile_reads_gzip_files(sc, tmp_path):
    text = _sample_text(200) + "\n"
    path = tmp_path / "data.txt.gz"
    with gzip.open(path, "wb") as f:
        f.write(text.encode("utf-8"))
    rdd = sc.textFile(str(path), 4)
    assert rdd.collect() == _lines_of(text)
    assert rdd.count() == len(_lines_of(text))


def test_textfile_of_a_directory_reads_its_files_and_skips_hidden_ones(sc, tmp_path):
    d = tmp_path / "dir"
    _write(d / "a.txt", b"a1\na2\n")
    _write(d / "b.txt", b"b1\n")
    _write(d / "_SUCCESS", b"")
    _write(d / ".a.txt.crc", b"garbage\n")
    _write(d / "_meta", b"garbage\n")
    assert sorted(sc.textFile(str(d)).collect()) == ["a1", "a2", "b1"]


def test_textfile_comma_separated_paths(sc, tmp_path):
    a = _write(tmp_path / "a.txt", b"a1\na2\n")
    b = _write(tmp_path / "b.txt", b"b1\n")
    d = tmp_path / "d"
    _write(d / "c.txt", b"c1\nc2\n")
    assert sorted(sc.textFile(f"{a},{b},{d}").collect()) == ["a1", "a2", "b1", "c1", "c2"]


def test_textfile_comma_separated_paths_keep_the_given_order(sc, tmp_path):
    a = _write(tmp_path / "a.txt", b"a1\na2\n")
    b = _write(tmp_path / "b.txt", b"b1\n")
    # Hadoop lists input paths in the order given: b's lines come first.
    assert sc.textFile(f"{b},{a}").collect() == ["b1", "a1", "a2"]


def test_textfile_glob_patterns(sc, tmp_path):
    _write(tmp_path / "g" / "part-1.txt", b"one\n")
    _write(tmp_path / "g" / "part-2.txt", b"two\n")
    _write(tmp_path / "g" / "other.csv", b"csv\n")
    _write(tmp_path / "h" / "part-3.txt", b"three\n")
    assert sorted(sc.textFile(str(tmp_path / "g" / "*.txt")).collect()) == ["one", "two"]
    assert sorted(sc.textFile(str(tmp_path / "g" / "part-?.txt")).collect()) == ["one", "two"]
    assert sorted(sc.textFile(str(tmp_path / "[gh]" / "part-*")).collect()) == ["one", "three", "two"]


def test_textfile_glob_star_does_not_cross_directories(sc, tmp_path):
    _write(tmp_path / "g" / "top.txt", b"top\n")
    _write(tmp_path / "g" / "sub" / "nested.txt", b"nested\n")
    # As in Hadoop's glob, '*' matches within one path component only.
    assert sc.textFile(str(tmp_path / "g" / "*.txt")).collect() == ["top"]


def test_textfile_of_a_missing_path_raises_file_not_found_naming_it(sc, tmp_path):
    missing = tmp_path / "no" / "such-file.txt"
    with pytest.raises(FileNotFoundError, match="such-file.txt"):
        sc.textFile(str(missing)).collect()


def test_textfile_glob_matching_nothing_raises_file_not_found(sc, tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing-here"):
        sc.textFile(str(tmp_path / "nothing-here*.txt")).collect()


def test_textfile_missing_path_among_comma_separated_paths_raises(sc, tmp_path):
    a = _write(tmp_path / "a.txt", b"a\n")
    with pytest.raises(FileNotFoundError, match="absent.txt"):
        sc.textFile(f"{a},{tmp_path / 'absent.txt'}").collect()


# -- wholeTextFiles, binaryFiles, binaryRecords -------------------------------------------------

def test_whole_text_files_gives_file_uri_and_content(sc, tmp_path):
    d = tmp_path / "whole"
    contents = {"a.txt": "alpha\nbeta\n", "b.txt": "", "c.txt": "gamma é\r\nno newline"}
    for name, text in contents.items():
        _write(d / name, text.encode("utf-8"))
    _write(d / "_SUCCESS", b"")
    rdd = sc.wholeTextFiles(str(d), 2)
    result = dict(rdd.collect())
    assert result == {"file:" + str(d / name): text for name, text in contents.items()}
    assert rdd.count() == 3


def test_whole_text_files_of_a_single_file(sc, tmp_path):
    f = _write(tmp_path / "single.txt", b"just me\n")
    assert sc.wholeTextFiles(str(f)).collect() == [("file:" + str(f), "just me\n")]


def test_binary_files_gives_file_uri_and_bytes(sc, tmp_path):
    d = tmp_path / "bin"
    blobs = {"x.bin": bytes(range(256)) * 3, "y.bin": b"", "z.bin": b"\x00\r\n\xff"}
    for name, data in blobs.items():
        _write(d / name, data)
    result = dict(sc.binaryFiles(str(d)).collect())
    assert result == {"file:" + str(d / name): data for name, data in blobs.items()}
    assert all(type(v) is bytes for v in result.values())


def test_binary_records_cuts_files_into_fixed_length_records(sc, tmp_path):
    records = [bytes([i]) * 4 + i.to_bytes(4, "little") for i in range(50)]
    path = _write(tmp_path / "records.bin", b"".join(records))
    rdd = sc.binaryRecords(str(path), 8)
    assert rdd.collect() == records
    assert rdd.map(lambda r: int.from_bytes(r[4:], "little")).sum() == sum(range(50))


def test_binary_records_rejects_non_positive_length(sc, tmp_path):
    path = _write(tmp_path / "r.bin", b"12345678")
    with pytest.raises(ValueError):
        sc.binaryRecords(str(path), 0).collect()


# -- saveAsTextFile -------------------------------------------------------------------------------

def test_save_as_text_file_writes_part_files_and_success_marker(sc, tmp_path):
    out = tmp_path / "out"
    data = list(range(23))
    sc.parallelize(data, 4).saveAsTextFile(str(out))
    names = sorted(os.listdir(out))
    assert names == ["_SUCCESS", "part-00000", "part-00001", "part-00002", "part-00003"]
    assert (out / "_SUCCESS").read_bytes() == b""
    # Each part holds its partition's records, one per line, in order.
    parts = sc.parallelize(data, 4).glom().collect()
    for i, part in enumerate(parts):
        assert (out / f"part-{i:05d}").read_text() == "".join(f"{x}\n" for x in part)
    assert sc.textFile(str(out)).map(int).collect() == data


def test_save_as_text_file_writes_one_part_per_partition_even_when_empty(sc, tmp_path):
    out = tmp_path / "sparse"
    sc.parallelize([1, 2], 5).saveAsTextFile(str(out))
    assert sorted(os.listdir(out)) == ["_SUCCESS"] + [f"part-{i:05d}" for i in range(5)]
    assert sorted(sc.textFile(str(out)).collect()) == ["1", "2"]


def test_save_as_text_file_round_trips_strings_and_str_of_other_objects(sc, tmp_path):
    out = tmp_path / "mixed"
    data = ["plain", "ünïcödé ✓", "", "tab\tinside", 42, 3.5, None, (1, "a"), b"raw bytes"]
    sc.parallelize(data, 3).saveAsTextFile(str(out))
    expected = ["plain", "ünïcödé ✓", "", "tab\tinside", "42", "3.5", "None", "(1, 'a')", "raw bytes"]
    assert sc.textFile(str(out)).collect() == expected


def test_save_as_text_file_with_gzip_codec(sc, tmp_path):
    out = tmp_path / "gz"
    data = [f"record {i} " + "z" * (i % 17) for i in range(500)]
    sc.parallelize(data, 3).saveAsTextFile(str(out), "org.apache.hadoop.io.compress.GzipCodec")
    names = sorted(os.listdir(out))
    assert names == ["_SUCCESS", "part-00000.gz", "part-00001.gz", "part-00002.gz"]
    with gzip.open(out / "part-00000.gz", "rt", encoding="utf-8") as f:
        first = f.read().splitlines()
    assert first == data[:len(first)] and first
    assert sc.textFile(str(out)).collect() == data


def test_save_as_text_file_into_an_existing_directory_raises(sc, tmp_path):
    out = tmp_path / "exists"
    out.mkdir()
    (out / "keep.txt").write_text("keep")
    with pytest.raises(FileExistsError, match="exists"):
        sc.parallelize([1, 2, 3]).saveAsTextFile(str(out))
    assert os.listdir(out) == ["keep.txt"]
    # Saving twice to the same new path fails the second time.
    out2 = tmp_path / "twice"
    sc.parallelize([1]).saveAsTextFile(str(out2))
    with pytest.raises(FileExistsError):
        sc.parallelize([2]).saveAsTextFile(str(out2))
    assert sc.textFile(str(out2)).collect() == ["1"]


def test_save_as_text_file_with_unknown_codec_raises_value_error_naming_it(sc, tmp_path):
    with pytest.raises(ValueError, match="NoSuchCodec"):
        sc.parallelize([1]).saveAsTextFile(str(tmp_path / "bad"), "com.example.NoSuchCodec")


# -- pickle files --------------------------------------------------------------------------------

def test_save_as_pickle_file_and_pickle_file_round_trip_mixed_objects(sc, tmp_path):
    out = tmp_path / "pickled"
    data = [1, 2.5, "str", b"bytes", None, True, (1, ("nested", 2.0)), [1, [2, 3]], {"k": [1, 2]},
            {1, 2, 3}, frozenset("ab"), _Box(1, "x"), decimal.Decimal("1.10"), complex(1, 2),
            datetime.datetime(2024, 2, 29, 12, 30), 2 ** 100, float("inf"), -0.0]
    sc.parallelize(data, 4).saveAsPickleFile(str(out), batchSize=3)
    assert "_SUCCESS" in os.listdir(out)
    back = sc.pickleFile(str(out)).collect()
    assert back == data
    assert [type(x) for x in back] == [type(x) for x in data]


def test_pickle_file_round_trip_of_numpy_arrays_and_many_records(sc, tmp_path):
    out = tmp_path / "np"
    arrays = [np.arange(i, dtype=np.float32) for i in range(30)]
    sc.parallelize(arrays, 3).saveAsPickleFile(str(out))
    back = sc.pickleFile(str(out)).collect()
    assert len(back) == 30
    for a, b in zip(arrays, back):
        assert b.dtype == a.dtype and np.array_equal(a, b)
    out2 = tmp_path / "many"
    sc.range(10000, numSlices=4).saveAsPickleFile(str(out2), batchSize=7)
    assert sc.pickleFile(str(out2)).collect() == list(range(10000))


# -- addFile / SparkFiles ------------------------------------------------------------------------

def test_add_file_is_readable_inside_tasks_with_spark_files_get(sc, tmp_path):
    name = f"lookup-{uuid.uuid4().hex}.txt"
    source = _write(tmp_path / name, b"10\n20\n30\n")
    sc.addFile(str(source))

    def read_lookup(x):
        with open(SparkFiles.get(name)) as f:
            return x + sum(int(line) for line in f)

    assert sc.parallelize([1, 2, 3], 3).map(read_lookup).collect() == [61, 62, 63]
    # The driver sees the same file name resolved under SparkFiles' root directory.
    assert os.path.basename(SparkFiles.get(name)) == name
    with open(SparkFiles.get(name)) as f:
        assert f.read() == "10\n20\n30\n"
    root = sc.parallelize([0], 1).map(lambda _: SparkFiles.getRootDirectory()).collect()[0]
    assert os.path.isfile(os.path.join(root, name))


def test_add_file_of_a_directory_needs_recursive(sc, tmp_path):
    d = tmp_path / f"resources-{uuid.uuid4().hex}"
    _write(d / "inner.txt", b"inside")
    with pytest.raises(ValueError):
        sc.addFile(str(d))
    sc.addFile(str(d), recursive=True)
    got = sc.parallelize([0], 1).map(
        lambda _: open(os.path.join(SparkFiles.get(d.name), "inner.txt")).read()).collect()
    assert got == ["inside"]


def test_add_file_of_a_missing_path_raises(sc, tmp_path):
    with pytest.raises(FileNotFoundError):
        sc.addFile(str(tmp_path / "missing-file.txt"))


def test_reading_a_file_deleted_after_textfile_fails_the_job(sc, tmp_path):
    path = _write(tmp_path / "vanishing.txt", b"a\nb\n")
    rdd = sc.textFile(str(path))
    path.unlink()
    with pytest.raises((SparkJobError, FileNotFoundError)):
        rdd.collect()


def test_text_file_replaces_invalid_utf8_like_pyspark(sc, tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"ok\nbad\xff\xfeend\nzz\xc3\n")
    # PySpark 4.3.0 (the JVM's decoder) returned exactly this for the same bytes.
    assert sc.textFile(str(path)).collect() == ["ok", "bad\ufffd\ufffdend", "zz\ufffd"]


# -- corrupt and vanished input files (spark.files.ignoreCorruptFiles / ignoreMissingFiles) ----------

def _gzip_files(tmp_path):
    import gzip
    good = gzip.compress("".join(f"line {i}\n" for i in range(100_000)).encode())
    (tmp_path / "a-good.gz").write_bytes(good)
    (tmp_path / "b-truncated.gz").write_bytes(good[: len(good) // 2])
    return str(tmp_path / "*.gz")


def test_a_corrupt_compressed_input_names_the_file(make_sc, tmp_path):
    sc = make_sc("local[2]")
    with pytest.raises(SparkJobError) as info:
        sc.textFile(_gzip_files(tmp_path)).count()
    assert "b-truncated.gz" in str(info.value.__cause__)
    assert "spark.files.ignoreCorruptFiles" in str(info.value.__cause__)


def test_ignore_corrupt_files_keeps_what_could_be_read(make_sc, tmp_path):
    sc = make_sc("local[2]", spark_files_ignoreCorruptFiles="true")
    lines = sc.textFile(_gzip_files(tmp_path)).collect()
    good = [f"line {i}" for i in range(100_000)]
    assert lines[:100_000] == good
    rest = lines[100_000:]
    assert 0 < len(rest) < 100_000 and rest == good[:len(rest)]    # the whole lines before the damage


def test_a_file_removed_after_listing_fails_or_is_skipped(make_sc, tmp_path):
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text(f"{name}\n")
    for ignore in (False, True):
        sc = make_sc("local[2]", spark_files_ignoreMissingFiles=str(ignore).lower())
        (tmp_path / "b.txt").write_text("b.txt\n")
        rdd = sc.textFile(str(tmp_path / "*.txt"))      # lists both files
        os.remove(tmp_path / "b.txt")
        if ignore:
            assert rdd.collect() == ["a.txt"]
        else:
            with pytest.raises(SparkJobError) as info:
                rdd.collect()
            assert type(info.value.__cause__) is FileNotFoundError
            assert "b.txt" in str(info.value.__cause__) and "spark.files.ignoreMissingFiles" in str(info.value.__cause__)
