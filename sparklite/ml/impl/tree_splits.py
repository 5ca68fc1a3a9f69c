"""How Spark discretises features before it grows trees (``ml/tree/impl/DecisionTreeMetadata.scala``,
``RandomForest.findSplits``, ``TreePoint.scala``).

Contract:
- ``build_metadata`` turns the counts of the data and the user's parameters into ``TreeMetadata``:
  the bins of every feature, which categorical features are *unordered* (multiclass, low arity:
  split by subsets of categories) and the features each node may use. It raises Spark's errors.
- ``find_splits`` is one pass over the data (a sample of ``max(maxBins^2, 10000)`` rows when there
  are more) that returns, per continuous feature, the sorted candidate thresholds Spark would pick;
  it fixes the feature's bin count in the metadata. Categorical features have none here.
- ``bin_features`` maps raw rows to bin indices: a continuous value goes to the first bin whose
  threshold is ``>=`` it (so ``x <= threshold`` means "left"), a categorical value is its category.
- ``unordered_subsets`` lists the left-category sets of an unordered feature in Spark's order.

Everything is plain numpy; nothing here knows about DataFrames.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Spark's ``ml.impl.Utils.EPSILON``: the machine epsilon of a double.
EPSILON = float(np.finfo(np.float64).eps)
FEATURE_SUBSET_STRATEGIES = ("auto", "all", "onethird", "sqrt", "log2")


@dataclass
class TreeMetadata:
    """What Spark's ``DecisionTreeMetadata`` knows: sizes, per-feature bins and stopping rules."""
    num_features: int
    num_examples: int
    weighted_num_examples: float
    num_classes: int                 # 0 for regression
    categorical: dict                # feature -> arity
    unordered: frozenset             # categorical features split by subsets of categories
    num_bins: np.ndarray             # per feature; continuous ones are fixed by find_splits
    impurity: str
    max_depth: int
    min_instances_per_node: int
    min_weight_fraction_per_node: float
    min_info_gain: float
    num_trees: int
    num_features_per_node: int

    @property
    def is_classification(self) -> bool:
        return self.num_classes >= 2

    @property
    def is_multiclass(self) -> bool:
        return self.num_classes > 2

    @property
    def max_bins(self) -> int:
        return int(self.num_bins.max())

    @property
    def min_weight_per_node(self) -> float:
        return self.min_weight_fraction_per_node * self.weighted_num_examples

    @property
    def subsampling_features(self) -> bool:
        return self.num_features_per_node != self.num_features

    def is_continuous(self, feature: int) -> bool:
        return feature not in self.categorical

    def num_splits(self, feature: int) -> int:
        """Unordered features have one bin per split; ordered ones one bin more than splits."""
        bins = int(self.num_bins[feature])
        return bins if feature in self.unordered else bins - 1

    def histogram_bins(self, feature: int) -> int:
        """Bins of the node histograms: thresholds + 1 for continuous features, one per category
        otherwise (unordered subsets are summed from the categories on the driver)."""
        arity = self.categorical.get(feature)
        return int(self.num_bins[feature]) if arity is None else arity


def require(condition: bool, message: str) -> None:
    """Spark's ``require``: an IllegalArgumentException whose message starts 'requirement failed'."""
    if not condition:
        raise ValueError(f"requirement failed: {message}")


def num_unordered_bins(arity: int) -> int:
    """Splits of ``arity`` categories into two non-empty sets: ``2^(arity-1) - 1``."""
    return (1 << (arity - 1)) - 1


def features_per_node(strategy, num_features: int, num_trees: int, classification: bool) -> int:
    """Spark's meaning of ``featureSubsetStrategy``: "auto" is "all" for one tree, else "sqrt" for
    classification and "onethird" for regression; a whole number is a count, a fraction a share."""
    strategy = str(strategy).lower() if isinstance(strategy, str) else strategy
    if strategy == "auto":
        strategy = "all" if num_trees == 1 else ("sqrt" if classification else "onethird")
    if strategy == "all":
        return num_features
    if strategy == "sqrt":
        return math.ceil(math.sqrt(num_features))
    if strategy == "log2":
        return max(1, math.ceil(math.log(num_features) / math.log(2)))
    if strategy == "onethird":
        return math.ceil(num_features / 3.0)
    text = str(strategy)
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count > 0:
        return min(count, num_features)
    try:
        fraction = float(text)
    except ValueError:
        fraction = 0.0
    if 0.0 < fraction <= 1.0:
        return math.ceil(fraction * num_features)
    raise ValueError(f"Supported values: {', '.join(FEATURE_SUBSET_STRATEGIES)}, (0.0-1.0], [1-n].")


def build_metadata(num_features: int, num_examples: int, weight_sum: float, *, num_classes: int,
                   categorical: dict, impurity: str, max_depth: int, max_bins: int,
                   min_instances_per_node: int, min_weight_fraction_per_node: float, min_info_gain: float,
                   num_trees: int, feature_subset_strategy) -> TreeMetadata:
    """Spark's ``DecisionTreeMetadata.buildMetadata`` for data of the given size."""
    if num_examples == 0:
        raise ValueError("DecisionTree requires size of input RDD > 0, but was given by empty one.")
    require(num_features > 0, "DecisionTree requires number of features > 0, "
            "but was given an empty features vector")
    require(max_depth <= 30, "DecisionTree currently only supports maxDepth <= 30, "
            f"but was given maxDepth = {max_depth}.")
    categorical = {int(f): int(arity) for f, arity in (categorical or {}).items()}
    max_possible_bins = min(max_bins, num_examples)
    if categorical:
        widest = max(categorical.values())
        widest_feature = next(f for f, arity in categorical.items() if arity == widest)
        require(widest <= max_possible_bins,
                f"DecisionTree requires maxBins (= {max_possible_bins}) to be at least as large as the "
                f"number of values in each categorical feature, but categorical feature {widest_feature} "
                f"has {widest} values. Consider removing this and other categorical features with a "
                "large number of values, or add more training examples.")
    num_bins = np.full(num_features, max_possible_bins, dtype=np.int64)
    unordered = set()
    max_unordered_arity = int(math.log(max_possible_bins // 2 + 1) / math.log(2.0) + 1)
    for feature, arity in categorical.items():
        if arity <= 1:
            # one category cannot be split (Spark keeps its bins but finds no valid split: SPARK-9957)
            num_bins[feature] = 1
            continue
        if num_classes > 2 and arity <= max_unordered_arity:
            unordered.add(feature)
            num_bins[feature] = num_unordered_bins(arity)
        else:
            num_bins[feature] = arity
    per_node = features_per_node(feature_subset_strategy, num_features, num_trees, num_classes >= 2)
    return TreeMetadata(num_features, num_examples, weight_sum, num_classes, categorical, frozenset(unordered),
                        num_bins, impurity, max_depth, min_instances_per_node, min_weight_fraction_per_node,
                        min_info_gain, num_trees, per_node)


def samples_fraction(metadata: TreeMetadata) -> float:
    """The share of rows ``findSplits`` looks at: ``max(maxBins^2, 10000)`` rows, or all of them."""
    required = max(metadata.max_bins ** 2, 10000)
    return required / metadata.num_examples if required < metadata.num_examples else 1.0


def continuous_thresholds(values: np.ndarray, weights: np.ndarray, count: int, metadata: TreeMetadata,
                          feature: int) -> np.ndarray:
    """Spark's ``findSplitsForContinuousFeature``: ``values`` are the distinct non-zero values of the
    sample, ``weights`` their summed instance weights, ``count`` how many sampled rows had them.

    Zeros were left out of the sample's tallies; they come back as the expected weight not
    accounted for. With no more distinct values than splits, every midpoint is a threshold;
    otherwise a walk over the cumulative weight places one near every ``stride`` of weight."""
    if len(values) == 0:
        return np.empty(0)
    num_splits = metadata.num_splits(feature)
    weighted_num_samples = samples_fraction(metadata) * metadata.weighted_num_examples
    tolerance = EPSILON * count * 100
    zero_weight = weighted_num_samples - float(np.sum(weights))
    if zero_weight > tolerance:
        at = int(np.searchsorted(values, 0.0))
        values, weights = np.insert(values, at, 0.0), np.insert(weights, at, zero_weight)
    possible = len(values) - 1
    if possible == 0:
        return np.empty(0)
    if possible <= num_splits:
        return (values[:-1] + values[1:]) / 2.0
    stride = weighted_num_samples / (num_splits + 1)
    thresholds = []
    current, target = float(weights[0]), stride
    for index in range(1, len(values)):
        previous = current
        current += float(weights[index])
        if abs(previous - target) < abs(current - target):
            thresholds.append((values[index - 1] + values[index]) / 2.0)
            target += stride
    return np.array(thresholds)


def _tally(values: np.ndarray, weights: np.ndarray) -> tuple:
    """Distinct non-zero values, their summed weights, and how many rows had a non-zero value."""
    keep = values != 0.0
    distinct, inverse = np.unique(values[keep], return_inverse=True)
    return distinct, np.bincount(inverse, weights=weights[keep], minlength=len(distinct)), int(keep.sum())


def _merge_tallies(a: list, b: list) -> list:
    merged = []
    for (va, wa, ca), (vb, wb, cb) in zip(a, b):
        distinct, inverse = np.unique(np.concatenate([va, vb]), return_inverse=True)
        merged.append((distinct, np.bincount(inverse, weights=np.concatenate([wa, wb]),
                                             minlength=len(distinct)), ca + cb))
    return merged


def find_splits(data, metadata: TreeMetadata, seed: int, description: str) -> list:
    """Candidate thresholds per feature (empty for categorical features), from one pass over a
    Bernoulli sample of the rows seeded by ``(seed, partition)``; sets continuous features' bins."""
    continuous = [f for f in range(metadata.num_features) if metadata.is_continuous(f)]
    thresholds = [np.empty(0) for _ in range(metadata.num_features)]
    if not continuous:
        return thresholds
    fraction = samples_fraction(metadata)

    def seq_op(chunk):
        X, w = chunk.X, chunk.w
        if fraction < 1.0:
            keep = np.random.default_rng([seed & 0xFFFFFFFFFFFFFFFF, 1, chunk.index]).random(len(w)) < fraction
            X, w = X[keep], w[keep]
        return [_tally(X[:, f], w) for f in continuous]

    tallies = data.aggregate(seq_op, _merge_tallies, description)
    for f, (values, weights, count) in zip(continuous, tallies):
        thresholds[f] = continuous_thresholds(values, weights, count, metadata, f)
        metadata.num_bins[f] = len(thresholds[f]) + 1
    return thresholds


def bin_dtype(metadata: TreeMetadata):
    """The smallest unsigned type that holds every bin index."""
    widest = max(metadata.histogram_bins(f) for f in range(metadata.num_features))
    return np.uint8 if widest <= 256 else (np.uint16 if widest <= 65536 else np.int32)


def bin_features(X: np.ndarray, thresholds: list, metadata: TreeMetadata) -> np.ndarray:
    """Rows of bin indices (Spark's ``TreePoint``); a categorical value outside ``0..arity-1``
    raises Spark's error."""
    binned = np.empty(X.shape, dtype=bin_dtype(metadata))
    for f in range(metadata.num_features):
        column = X[:, f]
        arity = metadata.categorical.get(f)
        if arity is None:
            binned[:, f] = np.searchsorted(thresholds[f], column, side="left")
            continue
        bad = (column < 0) | (column >= arity)
        if bad.any():
            value = column[np.argmax(bad)]
            raise ValueError(f"DecisionTree given invalid data: Feature {f} is categorical with values in "
                             f"{{0,...,{arity - 1}}}, but a data point gives it value {value}.")
        binned[:, f] = np.nan_to_num(column).astype(np.int64)     # Spark's toInt: NaN is 0
    return binned


def unordered_subsets(arity: int) -> np.ndarray:
    """Boolean ``(2^(arity-1) - 1, arity)`` matrix: row ``s`` holds the left categories of Spark's
    split ``s`` (the set bits of ``s + 1``), so the last category always goes right."""
    codes = np.arange(1, num_unordered_bins(arity) + 1)
    return ((codes[:, None] >> np.arange(arity)[None, :]) & 1).astype(bool)
