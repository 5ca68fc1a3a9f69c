"""Decision trees and random forests, grown the way Spark grows them (``ml/tree/impl/RandomForest.scala``):
a decision tree is a forest of one tree.

Contract:
- ``train(data, ...)`` returns a list of ``TreeModel`` (one per tree). It makes these passes over
  ``data``: one to count rows and weights (and check labels), one to find candidate thresholds
  (``tree_splits.find_splits``), one ``map_chunks`` that bins every row once and draws its bagging
  counts (kept cached until training ends), then one ``aggregate`` per level of the trees,
  "DecisionTree level {depth}" ("RandomForest level {depth}" for forests), more only when a level's
  histograms would pass ``max_memory_in_mb``.
- A level's pass routes every row down every tree in bin space to the frontier node it reaches, and
  fills one histogram per frontier node: node x feature x bin x statistic (weighted class counts, or
  weight / weighted sum / weighted sum of squares for regression, plus the number of sampled rows).
  The driver turns the histograms into every candidate split's left and right statistics, scores
  them as Spark does (gini, entropy or variance; a split is invalid if a side has fewer than
  ``min_instances_per_node`` rows or ``min_weight_fraction_per_node`` of the weight, or gains less
  than ``min_info_gain``), and keeps the first best split in (feature, split) order. A child whose
  impurity is zero, or at ``max_depth``, is a leaf at once; a node without a valid positive-gain split
  becomes a leaf. At the end sibling leaves with the same prediction are merged into their parent,
  bottom up, so ``num_nodes`` is Spark's.
- Split candidates: continuous features split at ``x <= threshold``; ordered categorical features at
  a prefix of their categories sorted by centroid (class-1 weight for binary labels, impurity for
  multiclass, mean label for regression); unordered ones (multiclass, low arity) at every subset
  that leaves the last category on the right.
- Forests: ``bootstrap`` draws Poisson(``subsampling_rate``) counts per tree per row (else
  Bernoulli(``subsampling_rate``) when the rate is below 1), seeded by ``(seed, partition)``; each
  node considers a random subset of features (``feature_subset_strategy``), drawn on the driver from
  ``seed``. These use numpy's generators, so forests match Spark's in law, not draw for draw.

State: the trees being grown live on the driver as ``_Node`` objects; executors see only the arrays
a level's closure carries (routing tables, the frontier's slots and feature subsets).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sparklite.sql.display import java_float_string as java_double

from .tree_splits import (EPSILON, TreeMetadata, bin_features, build_metadata, find_splits,
                          unordered_subsets)

IMPURITIES = {"classification": ("gini", "entropy"), "regression": ("variance",)}
ROW_BLOCK_CELLS = 1 << 22    # (row, feature) cells added to the histograms at once: bounds memory
SEED_MASK = 0xFFFFFFFFFFFFFFFF    # Spark's seeds are signed longs; numpy wants them non-negative


# ---------------------------------------------------------------------------------------- impurity
# Statistics of a set of rows are the last axis of an array: K weighted class counts (or weight,
# weighted sum, weighted sum of squares) and then the number of sampled rows, Spark's "raw count".

def weighted_count(stats: np.ndarray, num_classes: int) -> np.ndarray:
    """Total instance weight; class counts are added left to right as Spark's ``stats.sum`` does."""
    if num_classes == 0:
        return stats[..., 0]
    total = stats[..., 0].copy()
    for c in range(1, num_classes):
        total += stats[..., c]
    return total


def impurity_of(stats: np.ndarray, impurity: str, num_classes: int) -> np.ndarray:
    """Spark's ``Gini``/``Entropy``/``Variance.calculate``, 0 where the weight is 0."""
    count = weighted_count(stats, num_classes)
    empty = count == 0
    safe = np.where(empty, 1.0, count)
    if impurity == "variance":
        value = (stats[..., 2] - stats[..., 1] * stats[..., 1] / safe) / safe
    elif impurity == "gini":
        value = np.ones_like(count)
        for c in range(num_classes):
            freq = stats[..., c] / safe
            value -= freq * freq
    else:
        value = np.zeros_like(count)
        for c in range(num_classes):
            freq = stats[..., c] / safe
            with np.errstate(divide="ignore", invalid="ignore"):
                term = freq * (np.log(freq) / np.log(2))
            value -= np.where(stats[..., c] != 0, term, 0.0)
    return np.where(empty, 0.0, value)


def prediction_of(stats: np.ndarray, num_classes: int) -> np.ndarray:
    """The first most weighted class, or the mean label; 0 for an empty node."""
    count = weighted_count(stats, num_classes)
    if num_classes:
        return np.where(count == 0, 0.0, np.argmax(stats[..., :num_classes], axis=-1).astype(float))
    return np.where(count == 0, 0.0, stats[..., 1] / np.where(count == 0, 1.0, count))


# ------------------------------------------------------------------------------------------ model
@dataclass(eq=False)
class TreeModel:
    """A trained tree as flat arrays over its nodes in pre-order (node 0 is the root), the layout
    of Spark's saved ``NodeData``. Leaves have ``feature == left == right == -1`` and ``gain == -1``.

    ``threshold`` holds continuous splits (NaN elsewhere); a categorical split has its arity in
    ``num_categories`` (-1 elsewhere) and its sorted left categories in ``left_categories``.
    ``stats`` holds the node's weighted class counts (classification) or weight, weighted sum and
    weighted sum of squares of the label (regression); ``raw_count`` its number of sampled rows."""
    num_classes: int
    feature: np.ndarray
    threshold: np.ndarray
    num_categories: np.ndarray
    left_categories: list
    left: np.ndarray
    right: np.ndarray
    prediction: np.ndarray
    impurity: np.ndarray
    gain: np.ndarray
    stats: np.ndarray
    raw_count: np.ndarray
    _category_table: tuple = field(default=None, repr=False, compare=False)

    @property
    def num_nodes(self) -> int:
        return len(self.feature)

    @property
    def depth(self) -> int:
        """Edges on the longest root-to-leaf path (0 for a single leaf)."""
        level = np.zeros(self.num_nodes, dtype=np.int64)
        for node in range(self.num_nodes):       # pre-order: a parent comes before its children
            if self.left[node] >= 0:
                level[self.left[node]] = level[self.right[node]] = level[node] + 1
        return int(level.max())

    def _categories(self) -> tuple:
        """Per node: which categories go left (dense), and where an unknown value goes. Spark keeps
        the smaller side of a categorical split, and a value in neither set goes to the other side."""
        if self._category_table is None:
            width = max([int(k) for k in self.num_categories] + [1])
            table = np.zeros((self.num_nodes, width), dtype=bool)
            unknown_left = np.zeros(self.num_nodes, dtype=bool)
            for node, categories in enumerate(self.left_categories):
                if categories is not None:
                    table[node, categories.astype(np.int64)] = True
                    unknown_left[node] = len(categories) > self.num_categories[node] // 2
            self._category_table = (table, unknown_left)
        return self._category_table

    def leaf_index(self, X: np.ndarray) -> np.ndarray:
        """The node each row of raw features ends in."""
        X = np.asarray(X, dtype=np.float64)
        rows = np.arange(len(X))
        node = np.zeros(len(X), dtype=np.int64)
        categorical = (self.num_categories >= 0).any()
        for _ in range(self.depth):
            internal = self.left[node] >= 0
            value = X[rows, np.maximum(self.feature[node], 0)]
            with np.errstate(invalid="ignore"):
                go_left = value <= self.threshold[node]
            if categorical:
                table, unknown_left = self._categories()
                known = (value >= 0) & (value < table.shape[1]) & (value == np.floor(value))
                in_set = table[node, np.where(known, value, 0).astype(np.int64)]
                go_left = np.where(self.num_categories[node] >= 0, np.where(known, in_set, unknown_left[node]),
                                   go_left)
            node = np.where(internal, np.where(go_left, self.left[node], self.right[node]), node)
        return node

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The leaf's prediction per row."""
        return self.prediction[self.leaf_index(X)]

    def raw_prediction(self, X: np.ndarray) -> np.ndarray:
        """Classification: the leaf's weighted class counts (Spark's ``rawPrediction``)."""
        return self.stats[self.leaf_index(X)].copy()

    def probability(self, X: np.ndarray) -> np.ndarray:
        """Classification: the leaf's class counts normalised to sum to one."""
        return _normalise_rows(self.raw_prediction(X))


def _normalise_rows(counts: np.ndarray) -> np.ndarray:
    total = counts.sum(axis=1, keepdims=True)
    return counts / np.where(total == 0, 1.0, total)


def forest_predict(trees: list, X: np.ndarray) -> tuple:
    """Spark's forest predictions: a classifier's raw prediction sums every tree's leaf class
    probabilities and predicts the first largest; a regressor averages its trees.
    Returns ``(prediction, raw_prediction, probability)``, the last two ``None`` for regression."""
    if trees[0].num_classes == 0:
        return np.mean([tree.predict(X) for tree in trees], axis=0), None, None
    raw = sum(tree.probability(X) for tree in trees)
    return np.argmax(raw, axis=1).astype(float), raw, _normalise_rows(raw)


def feature_importances(trees: list, num_features: int) -> np.ndarray:
    """Spark's ``featureImportances``: per tree, every split adds gain x node weight to its feature;
    each tree's vector is normalised to sum to one, the trees summed, and the sum normalised."""
    total = np.zeros(num_features)
    for tree in trees:
        internal = tree.left >= 0
        importance = np.zeros(num_features)
        np.add.at(importance, tree.feature[internal],
                  tree.gain[internal] * weighted_count(tree.stats[internal], tree.num_classes))
        norm = importance.sum()
        if norm != 0:
            total += importance / norm
    norm = total.sum()
    return total / norm if norm != 0 else total


def debug_string_body(tree: TreeModel) -> str:
    """The lines of Spark's ``toDebugString`` after the model's header line."""
    lines = []

    def visit(node: int, indent: int) -> None:
        pad = " " * indent
        if tree.left[node] < 0:
            lines.append(f"{pad}Predict: {java_double(tree.prediction[node])}")
            return
        name = f"feature {tree.feature[node]}"
        if tree.num_categories[node] >= 0:
            categories = "{" + ",".join(java_double(c) for c in tree.left_categories[node]) + "}"
            left, right = f"{name} in {categories}", f"{name} not in {categories}"
        else:
            threshold = java_double(tree.threshold[node])
            left, right = f"{name} <= {threshold}", f"{name} > {threshold}"
        lines.append(f"{pad}If ({left})")
        visit(int(tree.left[node]), indent + 1)
        lines.append(f"{pad}Else ({right})")
        visit(int(tree.right[node]), indent + 1)

    visit(0, 2)
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------- training
@dataclass
class _Node:
    """A node while its tree grows; ``stats`` came from the parent's split (or the root's pass)."""
    stats: np.ndarray
    impurity: float
    level: int
    gain: float = -1.0
    valid: bool = True            # False once its best split was invalid: Spark then reports impurity -1
    split: tuple = None           # (feature, bins going left, threshold or None, left categories or None)
    left: "_Node" = None
    right: "_Node" = None
    position: int = 0             # index in its tree's routing arrays


@dataclass
class _Points:
    """One partition's binned rows, what Spark caches as bagged ``TreePoint``s."""
    binned: np.ndarray            # (n, d) bin indices
    label: np.ndarray             # class index (intp) or label (float)
    weight: np.ndarray
    counts: np.ndarray            # (n, num_trees) times each row is sampled per tree, or None for once
    unit_weight: bool             # every weight is 1


def _routing(nodes: list, bins: int) -> tuple:
    """Arrays that send a row down a growing tree in bin space: split feature (-1 where the node
    has no children yet), children, and which bins go left."""
    feature = np.full(len(nodes), -1, dtype=np.intp)
    left = np.zeros(len(nodes), dtype=np.intp)
    right = np.zeros(len(nodes), dtype=np.intp)
    goes_left = np.zeros((len(nodes), bins), dtype=bool)
    for i, node in enumerate(nodes):
        if node.left is not None:
            feature[i], left[i], right[i] = node.split[0], node.left.position, node.right.position
            goes_left[i, :len(node.split[1])] = node.split[1]
    return feature, left, right, goes_left


def _descend(route: tuple, binned: np.ndarray, steps: int) -> np.ndarray:
    feature, left, right, goes_left = route
    rows = np.arange(len(binned))
    node = np.zeros(len(binned), dtype=np.intp)
    for _ in range(steps):
        f = feature[node]
        go = goes_left[node, binned[rows, np.maximum(f, 0)]]
        node = np.where(f >= 0, np.where(go, left[node], right[node]), node)
    return node


def _level_pass(routes, slots, subsets, steps, shape, num_classes):
    """The per-partition side of one level: ``(histograms, node totals)`` for the nodes in ``slots``.

    ``routes``/``slots`` are per tree (routing arrays; each compact node's slot in the group or -1),
    ``subsets`` is ``(G, Fp)`` feature indices per slot or None for every feature."""
    num_slots, fp, bins, width = shape

    def seq_op(points: _Points):
        hist = np.zeros((num_slots * fp * bins, width))
        totals = np.zeros((num_slots, width))
        block = max(1, ROW_BLOCK_CELLS // fp)
        for tree, (route, slot_of) in enumerate(zip(routes, slots)):
            slot = slot_of[_descend(route, points.binned, steps)]
            rows = np.flatnonzero(slot >= 0)
            if points.counts is not None:
                rows = rows[points.counts[rows, tree] > 0]
            for start in range(0, len(rows), block):
                chunk_rows = rows[start:start + block]
                times = None if points.counts is None else points.counts[chunk_rows, tree].astype(float)
                _accumulate(hist, totals, slot[chunk_rows], points, chunk_rows, times, subsets, shape,
                            num_classes)
        return hist, totals

    return seq_op


def _accumulate(hist, totals, slot, points, rows, times, subsets, shape, num_classes):
    """Add rows to their node's histograms. ``times`` is how often each row was sampled (None:
    once); with unit weights and no bagging every statistic but the label sums is a plain count."""
    num_slots, fp, bins, width = shape
    binned = points.binned[rows] if subsets is None else points.binned[rows[:, None], subsets[slot]]
    cell = binned.astype(np.intp)                 # (row, feature) -> index of (slot, feature, bin)
    cell += np.arange(0, fp * bins, bins)[None, :]
    cell += (slot * (fp * bins))[:, None]
    cell = cell.ravel()
    cells = num_slots * fp * bins
    plain = times is None and points.unit_weight
    weight = points.weight[rows] if times is None else points.weight[rows] * times

    def spread(values):
        return None if values is None else np.repeat(values, fp)

    if num_classes:
        label = points.label[rows]
        code = cell * num_classes + np.repeat(label, fp)
        by_class = np.bincount(code, None if plain else spread(weight), cells * num_classes)
        hist[:, :num_classes] += by_class.reshape(cells, num_classes)
        totals[:, :num_classes] += np.bincount(slot * num_classes + label, weight,
                                               num_slots * num_classes).reshape(num_slots, -1)
        if plain:
            hist[:, num_classes] += by_class.reshape(cells, num_classes).sum(axis=1)
            totals[:, num_classes] += np.bincount(slot, None, num_slots)
            return
        columns = [(num_classes, times)]
    else:
        y = points.label[rows]
        columns = [(0, None if plain else weight), (1, weight * y), (2, weight * y * y), (3, times)]
    for column, values in columns:
        hist[:, column] += np.bincount(cell, spread(values), cells)
        totals[:, column] += np.bincount(slot, values, num_slots)


def _merge(a, b):
    hist, totals = a
    hist += b[0]
    totals += b[1]
    return a


def _candidate_stats(hist, totals, subsets, metadata: TreeMetadata):
    """Left and right statistics of every candidate split: ``(G, Fp, Smax, S)`` arrays, a mask of
    the splits that exist, and per (slot, feature) the category order of ordered categorical ones."""
    num_slots, fp, bins, width = hist.shape
    num_splits = np.array([metadata.num_splits(f) for f in range(metadata.num_features)])
    splits = num_splits[subsets]
    most = max(int(splits.max()), 1)
    left = np.zeros((num_slots, fp, most, width))
    cumulative = np.cumsum(hist, axis=2)
    shared = min(most, bins - 1)
    left[:, :, :shared] = cumulative[:, :, :shared]
    total = cumulative[:, :, -1].copy()
    orders = {}
    categorical = np.array([f in metadata.categorical and f not in metadata.unordered
                            for f in range(metadata.num_features)])
    where = np.nonzero(categorical[subsets])
    if len(where[0]):
        orders = _order_categories(hist[where], subsets[where], metadata)
        ordered = np.take_along_axis(hist[where], orders[:, :, None], axis=1)
        sums = np.cumsum(ordered, axis=1)
        left[where[0], where[1], :shared] = sums[:, :shared]
        total[where] = sums[:, -1]
        orders = {(g, j): order for g, j, order in zip(*where, orders)}
    for f in metadata.unordered:
        where = np.nonzero(subsets == f)
        if len(where[0]):
            arity = metadata.categorical[f]
            member = unordered_subsets(arity).astype(float)
            left[where[0], where[1], :len(member)] = np.einsum("sk,mkw->msw", member, hist[where][:, :arity])
            total[where] = totals[where[0]]
    exists = np.arange(most)[None, None, :] < splits[:, :, None]
    return left, total[:, :, None, :] - left, exists, orders


def _order_categories(hist, features, metadata: TreeMetadata) -> np.ndarray:
    """Spark's centroid order of an ordered categorical feature's categories: class-1 weight
    (binary), impurity (multiclass) or mean label (regression); empty categories last, stable."""
    k = metadata.num_classes
    count = weighted_count(hist, k)
    if metadata.is_multiclass:
        centroid = impurity_of(hist, metadata.impurity, k)
    elif metadata.is_classification:
        centroid = hist[..., 1].copy()
    else:
        centroid = prediction_of(hist, 0)
    centroid[count == 0] = np.finfo(np.float64).max
    arity = np.array([metadata.num_bins[f] for f in features])
    centroid[np.arange(hist.shape[1])[None, :] >= arity[:, None]] = np.inf
    return np.argsort(centroid, axis=1, kind="stable")


def _choose_splits(group, hist, totals, subsets, thresholds, metadata: TreeMetadata):
    """Score every candidate split of the group's nodes; split the nodes that have a valid one with
    positive gain. Returns the ids of the children that need a pass of their own."""
    k, name = metadata.num_classes, metadata.impurity
    left, right, exists, orders = _candidate_stats(hist, totals, subsets, metadata)
    for g, node in enumerate(group):
        if node.level == 0:
            node.stats = totals[g]
            node.impurity = float(impurity_of(totals[g], name, k))
    parent_impurity = np.array([node.impurity for node in group])[:, None, None]
    left_count, right_count = weighted_count(left, k), weighted_count(right, k)
    left_impurity, right_impurity = impurity_of(left, name, k), impurity_of(right, name, k)
    total = left_count + right_count
    with np.errstate(divide="ignore", invalid="ignore"):
        gain = parent_impurity - left_count / total * left_impurity - right_count / total * right_impurity
    minimum = metadata.min_instances_per_node
    valid = (exists & (left[..., -1] >= minimum) & (right[..., -1] >= minimum)
             & (left_count >= metadata.min_weight_per_node) & (right_count >= metadata.min_weight_per_node)
             & (gain >= metadata.min_info_gain))
    gain = np.where(valid, gain, -np.inf).reshape(len(group), -1)
    best = np.argmax(gain, axis=1)
    pending = set()
    for g, node in enumerate(group):
        j, s = divmod(int(best[g]), left.shape[2])
        node.valid = bool(np.isfinite(gain[g, best[g]]))
        node.gain = float(gain[g, best[g]])
        if node.gain <= 0 or node.level == metadata.max_depth:
            continue
        feature = int(subsets[g, j])
        node.split = _split(feature, s, thresholds, orders.get((g, j)), metadata)
        child_is_leaf = node.level + 1 == metadata.max_depth
        for side, stats, impurity in (("left", left[g, j, s], left_impurity[g, j, s]),
                                      ("right", right[g, j, s], right_impurity[g, j, s])):
            child = _Node(stats.copy(), float(impurity), node.level + 1)
            setattr(node, side, child)
            if not (child_is_leaf or abs(impurity) < EPSILON):
                pending.add(id(child))
    return pending


def _split(feature: int, s: int, thresholds, order, metadata: TreeMetadata) -> tuple:
    """(feature, bins that go left, threshold, sorted left categories) of split ``s``."""
    arity = metadata.categorical.get(feature)
    if arity is None:
        goes_left = np.arange(metadata.histogram_bins(feature)) <= s
        return feature, goes_left, float(thresholds[feature][s]), None
    if feature in metadata.unordered:
        goes_left = unordered_subsets(arity)[s]
    else:
        goes_left = np.zeros(arity, dtype=bool)
        goes_left[order[:s + 1]] = True
    return feature, goes_left, None, np.flatnonzero(goes_left).astype(float)


@dataclass
class _Final:
    """A node of the finished tree, after merging: ``left``/``right`` are None for a leaf."""
    node: _Node
    prediction: float
    impurity: float
    left: "_Final" = None
    right: "_Final" = None


def _prune(node: _Node, num_classes: int) -> _Final:
    """Spark's ``LearningNode.toNode``: bottom up, two sibling leaves that predict the same class or
    value become one leaf with their parent's statistics."""
    prediction = float(prediction_of(node.stats, num_classes))
    if node.left is None:
        return _Final(node, prediction, node.impurity if node.valid else -1.0)
    left, right = _prune(node.left, num_classes), _prune(node.right, num_classes)
    if left.left is None and right.left is None and left.prediction == right.prediction:
        return _Final(node, left.prediction, node.impurity)
    return _Final(node, prediction, node.impurity, left, right)


def _to_model(root: _Node, metadata: TreeMetadata) -> TreeModel:
    """The pruned tree as pre-order arrays."""
    order, children = [], []

    def visit(final: _Final) -> int:
        index = len(order)
        order.append(final)
        children.append((-1, -1))
        if final.left is not None:
            children[index] = (visit(final.left), visit(final.right))
        return index

    visit(_prune(root, metadata.num_classes))
    n = len(order)
    model = TreeModel(
        num_classes=metadata.num_classes, feature=np.full(n, -1, dtype=np.int64), threshold=np.full(n, np.nan),
        num_categories=np.full(n, -1, dtype=np.int64), left_categories=[None] * n,
        left=np.array([c[0] for c in children], dtype=np.int64),
        right=np.array([c[1] for c in children], dtype=np.int64),
        prediction=np.array([f.prediction for f in order]), impurity=np.array([f.impurity for f in order]),
        gain=np.full(n, -1.0), stats=np.array([f.node.stats[:-1] for f in order]),
        raw_count=np.array([round(f.node.stats[-1]) for f in order], dtype=np.int64))
    for i, final in enumerate(order):
        if final.left is not None:
            feature, _, threshold, categories = final.node.split
            model.feature[i], model.gain[i] = feature, final.node.gain
            if categories is None:
                model.threshold[i] = threshold
            else:
                model.num_categories[i] = metadata.categorical[feature]
                model.left_categories[i] = categories
    return model


def _count_rows(num_classes: int):
    def seq_op(chunk):
        if num_classes and len(chunk.y):
            bad = (chunk.y < 0) | (chunk.y >= num_classes) | (chunk.y != np.floor(chunk.y))
            if bad.any():
                raise ValueError(f"Labels MUST be in [0, {num_classes}), but got {chunk.y[np.argmax(bad)]}")
        if (chunk.w < 0).any():
            raise ValueError(f"Weights MUST be non-negative, but got {chunk.w[np.argmax(chunk.w < 0)]}")
        return len(chunk.w), float(chunk.w.sum())
    return seq_op


def _binner(thresholds, metadata: TreeMetadata, num_trees, with_replacement, subsampling_rate, seed):
    def bin_chunk(chunk) -> _Points:
        label = chunk.y.astype(np.intp) if metadata.is_classification else chunk.y
        counts = None
        if with_replacement or subsampling_rate < 1.0 or num_trees > 1:
            rng = np.random.default_rng([seed & SEED_MASK, 2, chunk.index])
            shape = (len(chunk.w), num_trees)
            counts = (rng.poisson(subsampling_rate, shape) if with_replacement
                      else rng.random(shape) < subsampling_rate).astype(np.int32)
        return _Points(bin_features(chunk.X, thresholds, metadata), label, chunk.w, counts,
                       bool((chunk.w == 1).all()))
    return bin_chunk


def train(data, *, algo: str = "classification", num_classes: int = 2, categorical: dict = None,
          impurity: str = None, max_depth: int = 5, max_bins: int = 32, min_instances_per_node: int = 1,
          min_weight_fraction_per_node: float = 0.0, min_info_gain: float = 0.0, num_trees: int = 1,
          feature_subset_strategy="auto", subsampling_rate: float = 1.0, bootstrap: bool = None,
          seed: int = 0, max_memory_in_mb: int = 256, callback=None) -> list:
    """Grow ``num_trees`` trees on ``data`` level by level, as Spark's ``RandomForest.run`` does.

    ``algo`` is "classification" (labels ``0..num_classes-1``) or "regression"; ``categorical`` maps
    a feature index to its arity (values ``0..arity-1``); ``impurity`` defaults to "gini" or
    "variance". ``bootstrap`` (None: only for more than one tree) samples rows with replacement.
    ``callback(depth, num_nodes)`` runs after each level. Returns a list of ``TreeModel``."""
    if algo not in IMPURITIES:
        raise ValueError(f"algo must be 'classification' or 'regression', got {algo!r}")
    impurity = (impurity or IMPURITIES[algo][0]).lower()
    if impurity not in IMPURITIES[algo]:
        raise ValueError(f"impurity {impurity!r} is not supported for {algo}; use one of {IMPURITIES[algo]}")
    k = num_classes if algo == "classification" else 0
    prefix = "DecisionTree" if num_trees == 1 else "RandomForest"
    num_examples, weight_sum = data.aggregate(_count_rows(k), lambda a, b: (a[0] + b[0], a[1] + b[1]),
                                              f"{prefix} metadata")
    metadata = build_metadata(data.num_features, num_examples, weight_sum, num_classes=k,
                              categorical=categorical, impurity=impurity, max_depth=max_depth, max_bins=max_bins,
                              min_instances_per_node=min_instances_per_node,
                              min_weight_fraction_per_node=min_weight_fraction_per_node,
                              min_info_gain=min_info_gain, num_trees=num_trees,
                              feature_subset_strategy=feature_subset_strategy)
    thresholds = find_splits(data, metadata, seed, f"{prefix} find splits")
    with_replacement = num_trees > 1 if bootstrap is None else bool(bootstrap)
    points = data.map_chunks(_binner(thresholds, metadata, num_trees, with_replacement, subsampling_rate, seed),
                             f"{prefix} bin points")
    try:
        roots = _grow(points, metadata, thresholds, num_trees, seed, max_memory_in_mb, prefix, callback)
    finally:
        points.unpersist()
    return [_to_model(root, metadata) for root in roots]


def _grow(points, metadata: TreeMetadata, thresholds, num_trees, seed, max_memory_in_mb, prefix, callback) -> list:
    """The level loop: every tree's frontier nodes in one pass per level (more when their histograms
    would pass ``max_memory_in_mb``). Returns the roots."""
    k = metadata.num_classes
    bins = max(metadata.histogram_bins(f) for f in range(metadata.num_features))
    width = k + 1 if k else 4
    rng = np.random.default_rng(seed & SEED_MASK)
    roots = [_Node(None, 0.0, 0) for _ in range(num_trees)]
    frontier = list(enumerate(roots))
    tree_nodes = [[root] for root in roots]          # per tree, in the order of its routing arrays
    while frontier:
        level = frontier[0][1].level
        if metadata.subsampling_features:
            subsets = np.array([np.sort(rng.choice(metadata.num_features, metadata.num_features_per_node,
                                                   replace=False)) for _ in frontier])
        else:
            subsets = np.tile(np.arange(metadata.num_features), (len(frontier), 1))
        group_size = max(1, (max_memory_in_mb << 20) // (subsets.shape[1] * bins * width * 8))
        routes = [_routing(nodes, bins) for nodes in tree_nodes]
        pending = []
        for start in range(0, len(frontier), group_size):
            group, group_subsets = frontier[start:start + group_size], subsets[start:start + group_size]
            slots = [np.full(len(nodes), -1, dtype=np.intp) for nodes in tree_nodes]
            for g, (t, node) in enumerate(group):
                slots[t][node.position] = g
            shape = (len(group), group_subsets.shape[1], bins, width)
            seq_op = _level_pass(routes, slots, group_subsets if metadata.subsampling_features else None,
                                 level, shape, k)
            description = f"{prefix} level {level}"
            if len(frontier) > group_size:
                description += f" (nodes {start + 1}-{start + len(group)} of {len(frontier)})"
            hist, totals = points.aggregate(seq_op, _merge, description)
            children = _choose_splits([node for _, node in group], hist.reshape(shape), totals, group_subsets,
                                      thresholds, metadata)
            for t, node in group:
                if node.left is not None:
                    node.left.position, node.right.position = len(tree_nodes[t]), len(tree_nodes[t]) + 1
                    tree_nodes[t] += [node.left, node.right]
                    pending += [(t, child) for child in (node.left, node.right) if id(child) in children]
        if callback is not None:
            callback(level, len(frontier))
        frontier = pending
    return roots
