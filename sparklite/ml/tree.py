"""``pyspark.ml.tree``: what decision trees and random forests share, as estimators and models.

Contract:
* ``_TreeEstimator._train_trees(dataset, algo, num_trees)`` trains on ``sparklite.ml.impl.tree`` with
  Spark's parameters (``maxDepth=5``, ``maxBins=32``, ``minInstancesPerNode=1``, ``minInfoGain=0``,
  ``impurity`` gini / variance, forests' ``numTrees=20``, ``featureSubsetStrategy="auto"``,
  ``subsamplingRate=1``, ``bootstrap=True``); categorical features come from the features column's
  ML attribute metadata (``ml_attr``: nominal attributes with their number of values), as Spark reads it.
* Models keep their trees as ``TreeModel`` arrays: ``numNodes``, ``depth``, ``featureImportances``
  (a vector summing to 1), ``toDebugString`` in Spark's words, ``predictLeaf``; forests ``trees``,
  ``treeWeights``, ``getNumTrees``, ``totalNumNodes``. They save the nodes as Parquet rows (one per
  node, with its tree's id) beside the params.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa

from sparklite.ml.base import weight_column
from sparklite.ml.impl import tree as kernel
from sparklite.ml.instances import Instances
from sparklite.ml.linalg import SparseVector
from sparklite.ml.param import Param, Params, TypeConverters as TC
from sparklite.ml.param.shared import HasCheckpointInterval, HasSeed, at_least, between
from sparklite.ml.util import read_data, write_data
from sparklite.sql.errors import IllegalArgumentException

__all__ = ["DecisionTreeParams", "TreeEnsembleParams", "tree_models_from", "trees_to_table", "trees_from_table",
           "categorical_features"]


def _param(name, doc, converter, validator=None):
    return Param(Params._dummy(), name, doc, converter, validator)


class DecisionTreeParams(HasSeed, HasCheckpointInterval):
    maxDepth = _param("maxDepth", "Maximum depth of the tree. (>= 0) E.g., depth 0 means 1 leaf node; depth 1 means "
                      "1 internal node + 2 leaf nodes. Must be in range [0, 30].", TC.toInt, between(0, 30))
    maxBins = _param("maxBins", "Max number of bins for discretizing continuous features.  Must be >=2 and >= number "
                     "of categories for any categorical feature.", TC.toInt, at_least(2))
    minInstancesPerNode = _param("minInstancesPerNode", "Minimum number of instances each child must have after "
                                 "split. If a split causes the left or right child to have fewer than "
                                 "minInstancesPerNode, the split will be discarded as invalid. Should be >= 1.",
                                 TC.toInt, at_least(1))
    minWeightFractionPerNode = _param("minWeightFractionPerNode", "Minimum fraction of the weighted sample count that "
                                      "each child must have after split. If a split causes the fraction of the total "
                                      "weight in the left or right child to be less than minWeightFractionPerNode, "
                                      "the split will be discarded as invalid. Should be in interval [0.0, 0.5).",
                                      TC.toFloat, lambda v: 0 <= v < 0.5)
    minInfoGain = _param("minInfoGain", "Minimum information gain for a split to be considered at a tree node.",
                         TC.toFloat, at_least(0))
    maxMemoryInMB = _param("maxMemoryInMB", "Maximum memory in MB allocated to histogram aggregation. If too small, "
                           "then 1 node will be split per iteration, and its aggregates may exceed this size.",
                           TC.toInt, at_least(0))
    cacheNodeIds = _param("cacheNodeIds", "If false, the algorithm will pass trees to executors to match instances "
                          "with nodes. If true, the algorithm will cache node IDs for each instance. Caching can "
                          "speed up training of deeper trees. Users can set how often should the cache be "
                          "checkpointed or disable it by setting checkpointInterval.", TC.toBoolean)
    impurity = _param("impurity", "Criterion used for information gain calculation (case-insensitive).", TC.toString)
    leafCol = _param("leafCol", "Leaf indices column name. Predicted leaf index of each instance in each tree by "
                     "preorder.", TC.toString)
    _defaults = {"maxDepth": 5, "maxBins": 32, "minInstancesPerNode": 1, "minWeightFractionPerNode": 0.0,
                 "minInfoGain": 0.0, "maxMemoryInMB": 256, "cacheNodeIds": False, "checkpointInterval": 10,
                 "leafCol": "", "seed": 0}


class TreeEnsembleParams(DecisionTreeParams):
    numTrees = _param("numTrees", "Number of trees to train (>= 1).", TC.toInt, at_least(1))
    featureSubsetStrategy = _param("featureSubsetStrategy", "The number of features to consider for splits at each "
                                   "tree node. Supported options: 'auto' (choose automatically for task: If "
                                   "numTrees == 1, set to 'all'. If numTrees > 1 (forest), set to 'sqrt' for "
                                   "classification and to 'onethird' for regression), 'all' (use all features), "
                                   "'onethird' (use 1/3 of the features), 'sqrt' (use sqrt(number of features)), "
                                   "'log2' (use log2(number of features)), 'n' (when n is in the range (0, 1.0], use "
                                   "n * number of features. When n is in the range (1, number of features), use n "
                                   "features). default = 'auto'", TC.toString)
    subsamplingRate = _param("subsamplingRate", "Fraction of the training data used for learning each decision "
                             "tree, in range (0, 1].", TC.toFloat, lambda v: 0 < v <= 1)
    bootstrap = _param("bootstrap", "Whether bootstrap samples are used when building trees.", TC.toBoolean)
    _defaults = {"numTrees": 20, "featureSubsetStrategy": "auto", "subsamplingRate": 1.0, "bootstrap": True}


def categorical_features(dataset, features_col: str) -> dict:
    """Feature index -> number of categories, from the column's ``ml_attr`` metadata."""
    metadata = dataset.schema[features_col].metadata or {}
    attributes = (metadata.get("ml_attr") or {}).get("attrs") or {}
    found = {}
    for attribute in attributes.get("nominal", []) + attributes.get("binary", []):
        values = attribute.get("vals")
        arity = len(values) if values is not None else attribute.get("num_vals", 2)
        found[int(attribute["idx"])] = int(arity)
    return found


def train_trees(estimator, dataset, algo: str, num_trees: int, strategy: str = "all", bootstrap=None,
                subsampling_rate: float = 1.0):
    """(trees, num_classes, num_features) trained on ``dataset`` with the estimator's params."""
    with Instances(dataset, estimator, estimator.getFeaturesCol(), estimator.getLabelCol(),
                   weight_column(estimator)) as data:
        num_classes = data.num_classes(estimator.getLabelCol()) if algo == "classification" else 0
        try:
            trees = kernel.train(
                data, algo=algo, num_classes=num_classes,
                categorical=categorical_features(dataset, estimator.getFeaturesCol()),
                impurity=estimator.getImpurity(), max_depth=estimator.getMaxDepth(), max_bins=estimator.getMaxBins(),
                min_instances_per_node=estimator.getMinInstancesPerNode(),
                min_weight_fraction_per_node=estimator.getMinWeightFractionPerNode(),
                min_info_gain=estimator.getMinInfoGain(), num_trees=num_trees, feature_subset_strategy=strategy,
                subsampling_rate=subsampling_rate, bootstrap=bootstrap, seed=estimator.getSeed(),
                max_memory_in_mb=estimator.getMaxMemoryInMB())
        except ValueError as e:
            raise IllegalArgumentException(f"{estimator.uid}: requirement failed: {e}") from None
        return trees, num_classes, data.num_features


def importances_vector(trees: list, num_features: int) -> SparseVector:
    values = kernel.feature_importances(trees, num_features)
    nonzero = np.flatnonzero(values)
    return SparseVector(num_features, nonzero, values[nonzero])


def debug_string(header: str, trees: list, weights=None) -> str:
    if len(trees) == 1 and weights is None:
        return header + "\n" + kernel.debug_string_body(trees[0])
    parts = [header + "\n"]
    for index, (tree, weight) in enumerate(zip(trees, weights)):
        body = kernel.debug_string_body(tree)
        parts.append(f"  Tree {index} (weight {kernel.java_double(weight)}):\n")
        parts.append("".join("  " + line + "\n" for line in body.splitlines()))
    return "".join(parts)


def trees_to_table(trees: list) -> pa.Table:
    """One row per node of every tree (``treeID`` first), Spark's ``NodeData`` columns."""
    columns = {name: [] for name in ("treeID", "id", "prediction", "impurity", "stats", "rawCount", "gain",
                                     "leftChild", "rightChild", "feature", "threshold", "numCategories",
                                     "leftCategories", "numClasses")}
    for tree_id, tree in enumerate(trees):
        for node in range(tree.num_nodes):
            categories = tree.left_categories[node]
            for name, value in (("treeID", tree_id), ("id", node), ("prediction", float(tree.prediction[node])),
                                ("impurity", float(tree.impurity[node])), ("stats", tree.stats[node].tolist()),
                                ("rawCount", int(tree.raw_count[node])), ("gain", float(tree.gain[node])),
                                ("leftChild", int(tree.left[node])), ("rightChild", int(tree.right[node])),
                                ("feature", int(tree.feature[node])), ("threshold", float(tree.threshold[node])),
                                ("numCategories", int(tree.num_categories[node])),
                                ("leftCategories", None if categories is None else categories.tolist()),
                                ("numClasses", int(tree.num_classes))):
                columns[name].append(value)
    return pa.table(columns)


def trees_from_table(table: pa.Table) -> list:
    rows = table.to_pylist()
    trees = []
    for tree_id in sorted({r["treeID"] for r in rows}):
        nodes = sorted((r for r in rows if r["treeID"] == tree_id), key=lambda r: r["id"])

        def column(name, dtype):
            return np.array([r[name] for r in nodes], dtype=dtype)
        trees.append(kernel.TreeModel(
            num_classes=nodes[0]["numClasses"], feature=column("feature", np.int64),
            threshold=column("threshold", np.float64), num_categories=column("numCategories", np.int64),
            left_categories=[None if r["leftCategories"] is None else np.array(r["leftCategories"]) for r in nodes],
            left=column("leftChild", np.int64), right=column("rightChild", np.int64),
            prediction=column("prediction", np.float64), impurity=column("impurity", np.float64),
            gain=column("gain", np.float64), stats=np.array([r["stats"] for r in nodes], dtype=np.float64),
            raw_count=column("rawCount", np.int64)))
    return trees


class TreeModelMixin:
    """Attributes of models made of trees (``self._trees``, ``self._tree_weights``)."""

    _trees: list = []
    _tree_weights = None

    @property
    def featureImportances(self) -> SparseVector:
        return importances_vector(self._trees, self.num_features)

    def predictLeaf(self, value) -> float:
        leaves = [float(tree.leaf_index(self._matrix(value))[0]) for tree in self._trees]
        return leaves[0] if len(leaves) == 1 else leaves

    def _save_extra(self, path: str) -> None:
        table = trees_to_table(self._trees)
        weights = self._tree_weights if self._tree_weights is not None else [1.0]
        table = table.append_column("treeWeight", pa.array([float(weights[t]) for t in table.column("treeID").to_pylist()]))
        table = table.append_column("numFeatures", pa.array([self.num_features] * table.num_rows, pa.int64()))
        write_data(path, table)

    def _load_extra(self, path: str, metadata: dict) -> None:
        table = read_data(path)
        self._trees = trees_from_table(table)
        weights = dict(zip(table.column("treeID").to_pylist(), table.column("treeWeight").to_pylist()))
        self._tree_weights = [weights[t] for t in sorted(weights)] if self._tree_weights is not None or \
            len(self._trees) > 1 else None
        self.num_features = table.column("numFeatures")[0].as_py() if table.num_rows else 0
        self.num_classes = self._trees[0].num_classes if self._trees else 0


class SingleTreeMixin(TreeModelMixin):
    """A decision tree model: one tree."""

    @property
    def numNodes(self) -> int:
        return self._trees[0].num_nodes

    @property
    def depth(self) -> int:
        return self._trees[0].depth

    def _debug_header(self) -> str:
        classes = f", numClasses={self.num_classes}" if self.num_classes else ""
        return (f"{type(self).__name__}: uid={self.uid}, depth={self.depth}, numNodes={self.numNodes}{classes}, "
                f"numFeatures={self.num_features}")

    @property
    def toDebugString(self) -> str:
        return debug_string(self._debug_header(), self._trees)


class ForestMixin(TreeModelMixin):
    """A random forest model: its trees, each a decision tree model."""

    _tree_model_class = None

    @property
    def trees(self) -> list:
        made = []
        for index, tree in enumerate(self._trees):
            model = self._tree_model_class()
            model._trees, model.num_features, model.num_classes = [tree], self.num_features, self.num_classes
            model._resetUid(f"{self.uid}_tree{index}")
            made.append(model)
        return made

    @property
    def treeWeights(self) -> list:
        return list(self._tree_weights if self._tree_weights is not None else [1.0] * len(self._trees))

    @property
    def getNumTrees(self) -> int:
        return len(self._trees)

    @property
    def totalNumNodes(self) -> int:
        return sum(tree.num_nodes for tree in self._trees)

    @property
    def toDebugString(self) -> str:
        classes = f", numClasses={self.num_classes}" if self.num_classes else ""
        header = (f"{type(self).__name__}: uid={self.uid}, numTrees={len(self._trees)}{classes}, "
                  f"numFeatures={self.num_features}")
        return debug_string(header, self._trees, self.treeWeights)


def tree_models_from(model, trees: list, num_classes: int, num_features: int, weights=None):
    model._trees, model.num_classes, model.num_features = trees, num_classes, num_features
    model._tree_weights = weights
    return model
