"""DStreams (``pyspark.streaming``) on sparklite: every scenario of ``golden/generate_dstream.py`` gives
PySpark's outputs batch by batch (``golden/dstream_outputs.json``), and the inputs, checkpoint
recovery and the context's life cycle behave as Spark's. Batches are 0.1 s; the package's SparkContext
(``local[2]``) runs them."""
from __future__ import annotations

import datetime
import json
import os
import socket
import threading
import time
import urllib.parse
import warnings

import pytest

from sparklite.sql.errors import IllegalArgumentException, UnsupportedOperationException
from sparklite.streaming.context import StreamingContext
from sparklite.streaming.dstream import DStream
from tests.streaming.conftest import local_session
from tests.streaming.golden import generate_dstream as golden

BATCH = 0.1
GOLDEN = json.load(open(os.path.join(golden.HERE, "dstream_outputs.json")))
REGENERATE = "rerun `python tests/streaming/golden/generate_dstream.py` (needs pyspark and Java)"


@pytest.fixture(scope="module")
def sc():
    return local_session().sparkContext


def streaming_context(sc, batch: float = BATCH) -> StreamingContext:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return StreamingContext(sc, batch)


@pytest.fixture
def ssc(sc):
    context = streaming_context(sc)
    yield context
    context.stop(stopSparkContext=False)


@pytest.fixture(autouse=True)
def no_context_left_running():
    yield
    active = StreamingContext.getActive()
    if active is not None:
        active.stop(stopSparkContext=False)


def run_batches(ssc: StreamingContext, stream: DStream, batches: int, timeout: float = 20.0) -> list:
    """``(time, sorted records)`` of ``stream``'s first ``batches`` batches; the context is then stopped."""
    seen = []
    stream.foreachRDD(lambda t, rdd: seen.append((t, sorted(rdd.collect(), key=repr))))
    ssc.start()
    deadline = time.monotonic() + timeout
    while len(seen) < batches and time.monotonic() < deadline:
        time.sleep(BATCH / 5)
    ssc.stop(stopSparkContext=False)
    ssc.awaitTerminationOrTimeout(1)
    assert len(seen) >= batches, f"{len(seen)} of {batches} batches ran in {timeout} s"
    return seen[:batches]


def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(BATCH / 5)


def streaming_threads() -> list:
    return [t.name for t in threading.enumerate() if t.name.startswith(("streaming job generator", "socket receiver"))]


# -- PySpark's outputs ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def errors(sc):
    """The misuse cases, on a SparkContext without a checkpoint directory (as the generator runs them)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sc, "_checkpoint_dir", None)
        return golden.record_errors(sc, lambda sc, batch: streaming_context(sc, batch))


@pytest.fixture(scope="module")
def outputs(sc, errors):
    """Every scenario's outputs (after the misuse cases: this run sets a checkpoint directory)."""
    return golden.run_scenarios(streaming_context(sc), golden.BATCHES, BATCH, timeout=60)


def test_the_golden_file_covers_every_scenario():
    assert sorted(GOLDEN["outputs"]) == sorted(golden.SCENARIOS), REGENERATE
    assert sorted(GOLDEN["errors"]) == sorted(golden.ERRORS), REGENERATE


@pytest.mark.parametrize("name", sorted(golden.SCENARIOS))
def test_outputs_batch_by_batch_as_pyspark(outputs, name):
    assert outputs["outputs"][name] == GOLDEN["outputs"][name]


def test_pprint_prints_as_pyspark(outputs):
    assert outputs["pprint"] == GOLDEN["pprint"]
    assert "-------------------------------------------\nTime: <batch 1>\n-------------------------------------------\n1\n2\n...\n\n" \
        in outputs["pprint"]


@pytest.mark.parametrize("name", sorted(golden.ERRORS))
def test_misuse_raises_as_pyspark(errors, name):
    assert errors[name] == GOLDEN["errors"][name]


def test_the_errors_are_the_pyspark_classes(sc, monkeypatch):
    monkeypatch.setattr(sc, "_checkpoint_dir", None)
    ssc = streaming_context(sc)
    ssc.queueStream([[("a", 1)]]).updateStateByKey(golden._running_sum).pprint()
    with pytest.raises(IllegalArgumentException, match="The checkpoint directory has not been set"):
        ssc.start()
    with pytest.raises(RuntimeError, match="has already been stopped"):
        ssc.start()


def test_windows_with_and_without_the_inverse_function_count_alike(outputs):
    def nonzero(batches):
        return [[n, [kv for kv in records if kv[1] != 0]] for n, records in batches]
    out = outputs["outputs"]
    assert nonzero(out["reduceByKeyAndWindow_inverse"]) == out["reduceByKeyAndWindow_plain"]
    assert out["countByValueAndWindow"] == nonzero(out["reduceByKeyAndWindow_inverse"])
    window_sizes = [[n, [len(records)]] for n, records in out["window_3_1"]]
    assert out["countByWindow_3"] == window_sizes


def test_updateStateByKey_keeps_a_state_across_batches(outputs):
    states = dict((n, dict(records)) for n, records in outputs["outputs"]["updateStateByKey"])
    assert states[1] == {"a": 1, "b": 2, "c": 1}
    assert states[2] == {"a": 1, "b": 2, "c": 3, "d": 1}
    assert states[10] == {"a": 3, "b": 4, "c": 3, "d": 3, "e": 1}


# -- the context ----------------------------------------------------------------------------------
def test_a_streaming_context_warns_that_dstreams_are_deprecated(sc):
    with pytest.warns(FutureWarning, match=r"^DStream is deprecated as of Spark 3\.4\.0\. Migrate to Structured "
                                           r"Streaming\.$"):
        StreamingContext(sc, 1).stop(stopSparkContext=False)


def test_foreachRDD_gets_each_batch_time_on_multiples_of_the_duration(ssc):
    stream = ssc.queueStream([[1, 2], [3]])
    plain = []
    stream.foreachRDD(lambda rdd: plain.append(rdd.count()))
    seen = run_batches(ssc, stream.map(lambda x: x * 2), 3)
    times = [t for t, _ in seen]
    assert all(isinstance(t, datetime.datetime) for t in times)
    millis = [round(t.timestamp() * 1000) for t in times]
    assert all(ms % 100 == 0 for ms in millis) and [b - a for a, b in zip(millis, millis[1:])] == [100, 100]
    assert [records for _, records in seen] == [[2, 4], [6], []]
    assert plain[:3] == [2, 1, 0]
    assert StreamingContext.getActive() is None


def test_transform_receives_the_time_when_it_asks_for_it(ssc):
    stream = ssc.queueStream([[1], [2]]).transform(lambda t, rdd: rdd.map(lambda x: (x, t.microsecond % 100000)))
    assert [records for _, records in run_batches(ssc, stream, 2)] == [[(1, 0)], [(2, 0)]]


def test_a_failing_batch_is_raised_by_awaitTermination_and_the_batches_go_on(ssc):
    class Boom(Exception):
        pass

    def fail(rdd):
        if rdd.collect() == [2]:
            raise Boom("batch two")

    stream = ssc.queueStream([[1], [2], [3]])
    stream.foreachRDD(fail)
    later = []
    stream.foreachRDD(lambda rdd: later.append(rdd.collect()))
    ssc.start()
    with pytest.raises(Boom, match="batch two"):
        ssc.awaitTermination(5)
    wait_for(lambda: len(later) >= 3)
    assert later[:3] == [[1], [2], [3]]


def test_start_and_stop_follow_the_life_cycle(sc):
    first, second = streaming_context(sc), streaming_context(sc)
    stream = first.queueStream([[1]])
    stream.pprint()
    second.queueStream([[1]]).pprint()
    first.start()
    try:
        assert StreamingContext.getActive() is first
        assert StreamingContext.getActiveOrCreate(None, lambda: second) is first
        with pytest.raises(RuntimeError, match="Only one StreamingContext"):
            second.start()
        with pytest.raises(RuntimeError, match="after starting a context is not supported"):
            first.queueStream([[2]])
        with pytest.raises(UnsupportedOperationException, match="Cannot change storage level"):
            stream.cache()
        assert first.awaitTerminationOrTimeout(0.05) is False
    finally:
        first.stop(stopSparkContext=False)
        second.stop(stopSparkContext=False)
    assert first.awaitTerminationOrTimeout(0.01) is True
    assert StreamingContext.getActive() is None and streaming_threads() == []
    with pytest.raises(RuntimeError, match="after stopping a context is not supported"):
        first.queueStream([[2]])


def test_a_graceful_stop_runs_the_next_batch_first(ssc):
    seen = []
    ssc.queueStream([[1], [2], [3], [4]]).foreachRDD(lambda rdd: seen.append(rdd.collect()))
    ssc.start()
    wait_for(lambda: len(seen) >= 1)
    before = len(seen)
    ssc.stop(stopSparkContext=False, stopGraceFully=True)
    assert len(seen) > before and streaming_threads() == []


def test_slice_returns_the_remembered_rdds(ssc):
    ssc.remember(1)
    stream = ssc.queueStream([[1], [2], [3]])
    (first, _), _, (last, _) = run_batches(ssc, stream, 3)
    assert [rdd.collect() for rdd in stream.slice(first, last)] == [[1], [2], [3]]
    assert [rdd.collect() for rdd in stream.slice(first.timestamp() + 0.15, last.timestamp())] == [[2], [3]]


# -- inputs ---------------------------------------------------------------------------------------
def move_in(folder, name: str, text: str) -> None:
    """Write a file beside ``folder`` and move it in whole, as Spark asks."""
    staged = folder.parent / f"staged-{name}"
    staged.write_text(text)
    os.replace(staged, folder / name)


def test_textFileStream_reads_each_new_file_once(ssc, tmp_path):
    folder = tmp_path / "incoming"
    folder.mkdir()
    (folder / "before.txt").write_text("old\n")
    time.sleep(0.01)
    seen = []
    ssc.textFileStream(str(folder)).foreachRDD(lambda rdd: seen.append(sorted(rdd.collect())))
    ssc.start()
    wait_for(lambda: len(seen) >= 1)
    move_in(folder, "a.txt", "a\nb\n")
    wait_for(lambda: ["a", "b"] in seen)
    move_in(folder, ".hidden.txt", "hidden\n")
    move_in(folder, "c.txt", "c\n")
    wait_for(lambda: ["c"] in seen)
    count = len(seen)
    wait_for(lambda: len(seen) >= count + 2)
    ssc.stop(stopSparkContext=False)
    assert [batch for batch in seen if batch] == [["a", "b"], ["c"]]


def test_binaryRecordsStream_reads_fixed_length_records(ssc, tmp_path):
    folder = tmp_path / "records"
    folder.mkdir()
    batches = []
    ssc.binaryRecordsStream(str(folder), 2).foreachRDD(lambda rdd: batches.append(rdd.collect()))
    ssc.start()
    wait_for(lambda: len(batches) >= 1)        # the file is newer than the stream, even on a coarse clock
    move_in(folder, "r.bin", "abcdef")
    wait_for(lambda: [b"ab", b"cd", b"ef"] in batches)
    ssc.stop(stopSparkContext=False)


def test_socketTextStream_reads_lines_from_a_tcp_server(ssc):
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def serve():
        connection, _ = server.accept()
        with connection:
            connection.sendall("a b\nc\r\n".encode())
            time.sleep(3 * BATCH)
            connection.sendall("d é\nf".encode())     # the last line ends with the connection

    thread = threading.Thread(target=serve)
    thread.start()
    batches = []
    ssc.socketTextStream("127.0.0.1", port).flatMap(str.split).foreachRDD(
        lambda rdd: batches.append(rdd.collect()))
    ssc.start()
    wait_for(lambda: sum(map(len, batches)) >= 6)
    ssc.stop(stopSparkContext=False)
    thread.join()
    server.close()
    sent = [batch for batch in batches if batch]
    assert sent[0] == ["a", "b", "c"] and sum(sent[1:], []) == ["d", "é", "f"]
    assert streaming_threads() == []


# -- checkpoints ----------------------------------------------------------------------------------
def saved_batches(prefix: str) -> dict:
    """``saveAsTextFiles`` output: batch ms -> the sorted lines of its directory."""
    folder, name = os.path.split(prefix)
    found = {}
    for entry in os.listdir(folder):
        if entry.startswith(name + "-") and os.path.exists(os.path.join(folder, entry, "_SUCCESS")):
            lines = [line for part in sorted(os.listdir(os.path.join(folder, entry))) if part.startswith("part-")
                     for line in open(os.path.join(folder, entry, part)).read().splitlines()]
            found[int(entry[len(name) + 1:].split(".")[0])] = sorted(lines)
    return found


def test_getOrCreate_restores_a_context_and_its_state(sc, tmp_path):
    checkpoint, folder, prefix = str(tmp_path / "checkpoint"), tmp_path / "incoming", str(tmp_path / "counts")
    folder.mkdir()

    def setup():
        ssc = streaming_context(sc)
        words = ssc.textFileStream(str(folder)).map(lambda word: (word, 1))
        words.updateStateByKey(golden._running_sum).checkpoint(BATCH).saveAsTextFiles(prefix, "txt")
        return ssc

    def newest():
        written = saved_batches(prefix)
        return written[max(written)] if written else None

    first = StreamingContext.getOrCreate(checkpoint, setup)
    first.start()
    wait_for(lambda: saved_batches(prefix))    # the file is newer than the stream, even on a coarse clock
    move_in(folder, "1.txt", "a\nb\na\n")
    wait_for(lambda: newest() == ["('a', 2)", "('b', 1)"])
    first.stop(stopSparkContext=False)
    stopped_at = max(saved_batches(prefix))

    with pytest.warns(FutureWarning, match="DStream is deprecated"):
        restored = StreamingContext.getOrCreate(checkpoint, lambda: pytest.fail("there is a checkpoint to restore"))
    assert restored.sparkContext is sc
    restored.start()
    wait_for(lambda: max(saved_batches(prefix)) > stopped_at)
    move_in(folder, "2.txt", "b\n")
    wait_for(lambda: newest() == ["('a', 2)", "('b', 2)"])
    restored.stop(stopSparkContext=False)
    # the restored state went on from where it was, and the file read before the restart was not read again
    later = [lines for t, lines in sorted(saved_batches(prefix).items()) if t > stopped_at]
    assert set(map(tuple, later)) == {("('a', 2)", "('b', 1)"), ("('a', 2)", "('b', 2)")}


def test_a_checkpointed_queue_stream_cannot_be_restored(ssc, tmp_path):
    ssc.checkpoint(str(tmp_path))
    seen = []
    ssc.queueStream([[1]]).foreachRDD(lambda rdd: seen.append(rdd.count()))
    ssc.start()
    wait_for(lambda: len(seen) >= 2)
    ssc.stop(stopSparkContext=False)
    with pytest.raises(RuntimeError, match=f"Failed to read checkpoint from directory {tmp_path}: queueStream "
                                           "doesn't support checkpointing. Please don't use queueStream when "
                                           "checkpointing is enabled."):
        StreamingContext.getOrCreate(str(tmp_path), lambda: pytest.fail("there is a checkpoint"))


def test_checkpointing_needs_functions_that_pickle(ssc, tmp_path):
    ssc.checkpoint(str(tmp_path))
    ssc.queueStream([[1]]).foreachRDD(lambda rdd: ssc.sparkContext)
    with pytest.raises(RuntimeError, match="DStream checkpointing has been enabled but the DStreams with their "
                                           "functions are not serializable: A StreamingContext cannot be pickled"):
        ssc.start()


def test_state_stays_bounded_over_many_batches(sc, tmp_path):
    ssc = streaming_context(sc, 0.02)
    ssc.checkpoint(str(tmp_path))
    counts = ssc.queueStream([[i % 3] for i in range(40)]).map(lambda x: (x, 1))
    state = counts.updateStateByKey(golden._running_sum).checkpoint(0.06)
    depths = []
    state.foreachRDD(lambda rdd: depths.append(len(rdd.toDebugString().splitlines())))
    seen = run_batches(ssc, state, 40, timeout=30)
    assert dict(seen[-1][1]) == {0: 14, 1: 13, 2: 13}
    assert max(depths[20:]) <= max(depths[:20])
    # three nodes each keep six batches (the state's remember duration, twice its checkpoint interval,
    # which its parents keep too), and one more for the batch the stop cut short
    assert sum(len(node.generated) for node in ssc._graph.nodes()) <= 3 * 7
    copies = [name for name in os.listdir(urllib.parse.urlparse(sc.getCheckpointDir()).path)
              if name.startswith("dstream-")]
    assert 1 <= len(copies) <= 3
