"""SparkFiles: where files added with ``sc.addFile`` are found, on the driver and in tasks."""
from __future__ import annotations

import os


class SparkFiles:
    _root_directory: str | None = None

    def __init__(self):
        raise NotImplementedError("Do not construct SparkFiles objects")

    @classmethod
    def get(cls, filename: str) -> str:
        return os.path.abspath(os.path.join(cls.getRootDirectory(), filename))

    @classmethod
    def getRootDirectory(cls) -> str:
        if cls._root_directory is None:
            raise RuntimeError("SparkFiles is only available while a SparkContext is running")
        return cls._root_directory
