"""Seeded data generators shared by the benchmarks (files are cached under ``benchmarks/results/data``)."""
from __future__ import annotations

import os

import numpy as np

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "data")


def zipf_text(megabytes: int, vocabulary: int = 100_000, words_per_line: int = 10, seed: int = 42,
              exponent: float = 1.1) -> str:
    """A text file of ``megabytes`` MB whose words follow a Zipf law over ``vocabulary`` words (cached)."""
    path = os.path.join(DATA_DIR, f"zipf_{megabytes}mb_{vocabulary}_{seed}.txt")
    if os.path.exists(path):
        return path
    os.makedirs(DATA_DIR, exist_ok=True)
    return zipf_text_at(path, megabytes * 1_000_000, vocabulary, words_per_line, seed, exponent)


def zipf_text_at(path: str, size_bytes: int, vocabulary: int = 100_000, words_per_line: int = 10,
                 seed: int = 42, exponent: float = 1.1) -> str:
    """Write about ``size_bytes`` of Zipf-distributed words to ``path``; same seed, same file."""
    def ranks(rng, n):
        drawn = rng.zipf(exponent, size=n)
        return drawn[drawn <= vocabulary] - 1
    return _text_at(path, size_bytes, vocabulary, words_per_line, seed, ranks)


def uniform_text_at(path: str, size_bytes: int, vocabulary: int = 1_000, words_per_line: int = 10,
                    seed: int = 42) -> str:
    """Write about ``size_bytes`` of words drawn uniformly from ``vocabulary`` words (HiBench's word
    count input); same seed, same file."""
    return _text_at(path, size_bytes, vocabulary, words_per_line, seed,
                    lambda rng, n: rng.integers(0, vocabulary, size=n))


def _text_at(path: str, size_bytes: int, vocabulary: int, words_per_line: int, seed: int, ranks) -> str:
    rng = np.random.default_rng(seed)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    lengths = rng.integers(3, 10, size=vocabulary)
    vocab = np.array(["".join(rng.choice(letters, n)) for n in lengths], dtype=object)
    written = 0
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        while written < size_bytes:
            drawn = ranks(rng, words_per_line * min(20_000, max(size_bytes // 50, 100)))
            words = vocab[drawn[: (len(drawn) // words_per_line) * words_per_line]]
            lines = [" ".join(row) for row in words.reshape(-1, words_per_line)]
            chunk = "\n".join(lines) + "\n"
            f.write(chunk)
            written += len(chunk)
    os.replace(tmp, path)
    return path


def points_text_at(path: str, n: int, dim: int = 10, seed: int = 3) -> str:
    """``n`` labelled points (label -1 or 1, then ``dim`` coordinates) as text, one per line."""
    if os.path.exists(path):
        return path
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=n) * 2 - 1
    x = rng.normal(size=(n, dim)) + labels[:, None] * 0.8
    np.savetxt(path + ".tmp", np.column_stack([labels, x]), fmt="%.6f")
    os.replace(path + ".tmp", path)
    return path
