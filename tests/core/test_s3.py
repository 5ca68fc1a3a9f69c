"""S3 through ``pyarrow.fs.S3FileSystem``: reading, writing and checkpointing ``s3://`` and ``s3a://``
paths, configured by Spark's ``spark.hadoop.fs.s3a.*`` keys, against a real S3-compatible server.

The server is moto's standalone server on loopback with request signing enforced (an IAM user's key
is the only one it accepts), so wrong credentials are refused by the server itself. moto before 5.2.5
answered CompleteMultipartUpload with a root element pyarrow takes for an error, so writes failed.
"""
from __future__ import annotations

import json
import logging
import uuid

import pyarrow.fs as pafs
import pytest

pytest.importorskip("moto", minversion="5.2.5")
moto_server = pytest.importorskip("moto.server")
boto3 = pytest.importorskip("boto3")
requests = pytest.importorskip("requests")

from sparklite import SparkConf, SparkFiles  # noqa: E402

REGION = "us-east-1"


class S3Server:
    """A moto S3 server and the credentials of the one IAM user it accepts."""

    def __init__(self):
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        # moto keeps its accounts in the process: a server started after another starts empty
        requests.post(f"{self.endpoint}/moto-api/reset").raise_for_status()
        iam = boto3.client("iam", endpoint_url=self.endpoint, region_name=REGION,
                           aws_access_key_id="setup", aws_secret_access_key="setup")
        iam.create_user(UserName="sparklite")
        iam.put_user_policy(UserName="sparklite", PolicyName="everything", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        key = iam.create_access_key(UserName="sparklite")["AccessKey"]
        self.access_key, self.secret_key = key["AccessKeyId"], key["SecretAccessKey"]
        self._set_auth("0")   # from now on every request must be signed with a key IAM knows

    def _set_auth(self, unauthenticated_requests: str) -> None:
        requests.post(f"{self.endpoint}/moto-api/reset-auth", data=unauthenticated_requests).raise_for_status()

    def conf(self, **overrides) -> dict:
        keys = {"spark.hadoop.fs.s3a.endpoint": self.endpoint, "spark.hadoop.fs.s3a.access.key": self.access_key,
                "spark.hadoop.fs.s3a.secret.key": self.secret_key, "spark.hadoop.fs.s3a.region": REGION,
                "spark.hadoop.fs.s3a.path.style.access": "true"}
        keys.update({f"spark.hadoop.fs.s3a.{k.replace('_', '.')}": v for k, v in overrides.items()})
        return {k: v for k, v in keys.items() if v is not None}

    def filesystem(self) -> pafs.S3FileSystem:
        """The test's own view of the server, to put and inspect objects behind sparklite's back."""
        host = self.endpoint[len("http://"):]
        return pafs.S3FileSystem(access_key=self.access_key, secret_key=self.secret_key, region=REGION,
                                 scheme="http", endpoint_override=host, allow_bucket_creation=True)

    def stop(self) -> None:
        self._set_auth("inf")
        self._server.stop()


@pytest.fixture(scope="module")
def s3():
    server = S3Server()
    yield server
    server.stop()


@pytest.fixture
def bucket(s3):
    name = f"test-{uuid.uuid4().hex[:12]}"
    s3.filesystem().create_dir(name)
    return name


@pytest.fixture
def s3_sc(s3, make_sc):
    """``s3_sc(master="local[2]", **s3a_overrides)``: a SparkContext configured for the server."""
    return lambda master="local[2]", **overrides: make_sc(master, **s3.conf(**overrides))


def _put(s3, path: str, data: bytes) -> None:
    with s3.filesystem().open_output_stream(path) as out:
        out.write(data)


# -- reading and writing --------------------------------------------------------------------------

def test_save_as_text_file_and_text_file_round_trip_through_s3a(s3, s3_sc, bucket):
    sc = s3_sc()
    lines = [f"line {i} é" for i in range(500)]
    sc.parallelize(lines, 3).saveAsTextFile(f"s3a://{bucket}/out/text")
    names = sorted(i.base_name for i in s3.filesystem().get_file_info(pafs.FileSelector(f"{bucket}/out/text")))
    assert names == ["_SUCCESS", "part-00000", "part-00001", "part-00002"]
    back = sc.textFile(f"s3a://{bucket}/out/text", 4)
    assert back.getNumPartitions() >= 4
    assert back.collect() == lines
    assert sc.textFile(f"s3://{bucket}/out/text").count() == 500


def test_compressed_text_round_trip_through_s3(s3_sc, bucket):
    sc = s3_sc()
    sc.parallelize(range(100), 2).saveAsTextFile(f"s3://{bucket}/gz", "org.apache.hadoop.io.compress.GzipCodec")
    assert sorted(sc.textFile(f"s3://{bucket}/gz").map(int).collect()) == list(range(100))


def test_save_as_pickle_file_and_pickle_file_round_trip_through_s3(s3_sc, bucket):
    sc = s3_sc()
    data = [1, "two", (3, 4.5), None, {"k": [1, 2]}, b"raw"] * 50
    sc.parallelize(data, 3).saveAsPickleFile(f"s3a://{bucket}/pickled", batchSize=4)
    assert sc.pickleFile(f"s3a://{bucket}/pickled").collect() == data


def test_pickle_file_honours_min_partitions(s3_sc, bucket):
    # One part file of about 20 kB: it used to be read as one partition whatever minPartitions said.
    sc = s3_sc()
    path = f"s3a://{bucket}/one-file"
    sc.parallelize(range(5000), 1).saveAsPickleFile(path, batchSize=10)
    assert sc.pickleFile(path).getNumPartitions() == 2   # the default, min(defaultParallelism, 2)
    back = sc.pickleFile(path, 6)
    assert back.getNumPartitions() >= 6
    assert back.collect() == list(range(5000))
    assert all(size > 0 for size in back.glom().map(len).collect())


def test_pickle_file_keeps_a_small_file_whole(s3_sc, bucket):
    sc = s3_sc()
    sc.parallelize(range(10), 2).saveAsPickleFile(f"s3://{bucket}/small")
    back = sc.pickleFile(f"s3://{bucket}/small", 8)
    assert back.getNumPartitions() == 2   # files under Hadoop's 2000-byte sync interval are not cut
    assert back.collect() == list(range(10))


def test_whole_text_files_and_binary_files_list_several_objects(s3, s3_sc, bucket):
    sc = s3_sc()
    for i in range(5):
        _put(s3, f"{bucket}/docs/doc{i}.txt", f"document {i}\nsecond line".encode())
    _put(s3, f"{bucket}/docs/.hidden", b"not listed")
    texts = sorted(sc.wholeTextFiles(f"s3a://{bucket}/docs", 3).collect())
    assert texts == [(f"s3a://{bucket}/docs/doc{i}.txt", f"document {i}\nsecond line") for i in range(5)]
    binaries = sorted(sc.binaryFiles(f"s3://{bucket}/docs").collect())
    assert binaries == [(f"s3://{bucket}/docs/doc{i}.txt", f"document {i}\nsecond line".encode())
                        for i in range(5)]


def test_glob_selects_matching_objects(s3, s3_sc, bucket):
    sc = s3_sc()
    sc.parallelize(range(30), 3).saveAsTextFile(f"s3://{bucket}/dir")
    _put(s3, f"{bucket}/dir/other-00000", b"not a part\n")
    assert sorted(sc.textFile(f"s3://{bucket}/dir/part-*").map(int).collect()) == list(range(30))
    assert sorted(sc.textFile(f"s3a://{bucket}/di?/part-0000[12]").map(int).collect()) == list(range(10, 30))
    with pytest.raises(FileNotFoundError, match=f"Input Pattern s3://{bucket}/dir/nothing-\\* matches 0 files"):
        sc.textFile(f"s3://{bucket}/dir/nothing-*")


def test_a_directory_listing_skips_the_success_marker(s3, s3_sc, bucket):
    sc = s3_sc()
    sc.parallelize(["a", "b"], 2).saveAsTextFile(f"s3://{bucket}/marked")
    assert s3.filesystem().get_file_info(f"{bucket}/marked/_SUCCESS").type == pafs.FileType.File
    names = [name for name, _ in sc.wholeTextFiles(f"s3://{bucket}/marked").collect()]
    assert sorted(names) == [f"s3://{bucket}/marked/part-00000", f"s3://{bucket}/marked/part-00001"]


def test_saving_over_an_existing_output_directory_is_refused(s3_sc, bucket):
    sc = s3_sc()
    sc.parallelize([1, 2]).saveAsTextFile(f"s3a://{bucket}/twice")
    with pytest.raises(FileExistsError, match=f"Output directory s3a://{bucket}/twice already exists"):
        sc.parallelize([3]).saveAsTextFile(f"s3a://{bucket}/twice")
    with pytest.raises(FileExistsError, match="already exists"):
        sc.parallelize([3]).saveAsPickleFile(f"s3a://{bucket}/twice")
    assert sorted(sc.textFile(f"s3a://{bucket}/twice").collect()) == ["1", "2"]


# -- errors ---------------------------------------------------------------------------------------

def test_a_missing_bucket_is_named(s3_sc):
    sc = s3_sc()
    with pytest.raises(FileNotFoundError, match="s3a://no-such-bucket/input .*bucket 'no-such-bucket' does not exist"):
        sc.textFile("s3a://no-such-bucket/input")
    with pytest.raises(FileNotFoundError, match="Bucket 'no-such-bucket' does not exist"):
        sc.parallelize([1]).saveAsTextFile("s3a://no-such-bucket/output")
    with pytest.raises(FileNotFoundError, match="Bucket 'no-such-bucket' does not exist"):
        sc.setCheckpointDir("s3://no-such-bucket/checkpoints")


def test_a_wrong_secret_key_is_access_denied_and_names_the_keys(s3, s3_sc, bucket):
    _put(s3, f"{bucket}/in/data.txt", b"1\n2\n")
    sc = s3_sc(secret_key="not-the-secret")
    with pytest.raises(PermissionError) as read:
        sc.textFile(f"s3a://{bucket}/in")
    with pytest.raises(PermissionError) as write:
        sc.parallelize([1]).saveAsTextFile(f"s3a://{bucket}/out")
    for error in (read.value, write.value):
        assert "Access denied to s3a://" + bucket in str(error)
        assert "spark.hadoop.fs.s3a.access.key" in str(error)
        assert "spark.hadoop.fs.s3a.secret.key" in str(error)


def test_credentials_come_from_the_aws_environment_when_the_conf_has_none(s3, s3_sc, bucket, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3.secret_key)
    _put(s3, f"{bucket}/env.txt", b"from\nthe environment\n")
    sc = s3_sc(access_key=None, secret_key=None)
    assert "spark.hadoop.fs.s3a.access.key" not in dict(sc.getConf().getAll())
    assert sc.textFile(f"s3://{bucket}/env.txt").collect() == ["from", "the environment"]
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong")
    with pytest.raises(PermissionError, match="Access denied"):
        sc.textFile(f"s3://{bucket}/env.txt")


def test_add_file_from_s3_reaches_tasks(s3, s3_sc, bucket):
    _put(s3, f"{bucket}/lookup.txt", b"42")
    sc = s3_sc()
    sc.addFile(f"s3://{bucket}/lookup.txt")

    def read(_):
        with open(SparkFiles.get("lookup.txt")) as f:
            return [int(f.read())]

    assert sc.parallelize([0, 1], 2).mapPartitions(read).collect() == [42, 42]


# -- checkpoints and other processes --------------------------------------------------------------

def test_checkpoint_to_an_s3a_directory(s3, s3_sc, bucket):
    sc = s3_sc()
    sc.setCheckpointDir(f"s3a://{bucket}/ckpt")
    assert sc.getCheckpointDir().startswith(f"s3a://{bucket}/ckpt/")
    rdd = sc.parallelize(range(20), 4).map(lambda x: x * 3)
    rdd.checkpoint()
    assert rdd.sum() == 570
    assert rdd.isCheckpointed()
    assert rdd.getCheckpointFile() == f"{sc.getCheckpointDir()}/rdd-{rdd.id()}"
    written = s3.filesystem().get_file_info(pafs.FileSelector(rdd.getCheckpointFile()[len("s3a://"):]))
    assert sorted(i.base_name for i in written) == [f"part-0000{i}.arrow" for i in range(4)]
    assert "ParallelCollectionRDD" not in rdd.toDebugString().decode()
    assert rdd.collect() == [x * 3 for x in range(20)]


def test_executor_processes_reach_s3_with_the_drivers_configuration(s3_sc, bucket):
    sc = s3_sc("local-cluster[2,1,512]")
    sc.parallelize(range(200), 4).map(str).saveAsTextFile(f"s3a://{bucket}/cluster/text")
    assert sorted(sc.textFile(f"s3a://{bucket}/cluster/text").map(int).collect()) == list(range(200))
    sc.parallelize(range(200), 2).saveAsPickleFile(f"s3a://{bucket}/cluster/pickled")
    assert sc.pickleFile(f"s3a://{bucket}/cluster/pickled", 3).collect() == list(range(200))
    sc.setCheckpointDir(f"s3a://{bucket}/cluster/ckpt")
    rdd = sc.parallelize(range(10), 2).map(lambda x: x + 1)
    rdd.checkpoint()
    assert rdd.count() == 10
    assert rdd.isCheckpointed() and rdd.collect() == list(range(1, 11))


# -- configuration --------------------------------------------------------------------------------

def test_spark_s3a_keys_become_s3_filesystem_options():
    from sparklite.core.files import s3_options
    conf = SparkConf().setAll([("spark.hadoop.fs.s3a.endpoint", "http://127.0.0.1:9000/"),
                               ("spark.hadoop.fs.s3a.access.key", "AK"), ("spark.hadoop.fs.s3a.secret.key", "SK"),
                               ("spark.hadoop.fs.s3a.path.style.access", "false"),
                               ("spark.hadoop.fs.s3a.region", "eu-west-1")])
    assert s3_options(conf) == {"scheme": "http", "endpoint_override": "127.0.0.1:9000", "access_key": "AK",
                                "secret_key": "SK", "session_token": None, "region": "eu-west-1",
                                "force_virtual_addressing": True}
    assert s3_options(SparkConf()) == {}
    endpoint_only = SparkConf().set("spark.hadoop.fs.s3a.endpoint", "minio:9000")
    assert s3_options(endpoint_only) == {"endpoint_override": "minio:9000"}
    with pytest.raises(ValueError, match="spark.hadoop.fs.s3a.secret.key"):
        s3_options(SparkConf().set("spark.hadoop.fs.s3a.access.key", "AK"))
