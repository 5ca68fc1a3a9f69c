"""``pyspark.mllib.tree``: decision trees over RDDs of ``LabeledPoint``, grown by the kernel of
``sparklite.ml.impl.tree`` (Spark's level-by-level growth, quantile bins, pruning of same-prediction
leaves).

Contract: ``DecisionTree.trainClassifier(data, numClasses, categoricalFeaturesInfo, impurity="gini",
maxDepth=5, maxBins=32, minInstancesPerNode=1, minInfoGain=0.0)`` and ``trainRegressor(data,
categoricalFeaturesInfo, impurity="variance", ...)`` train one tree with every feature;
``categoricalFeaturesInfo`` maps a feature's index to its number of categories (values
``0..n-1``); a classifier's labels out of ``[0, numClasses)`` raise Spark's impurity aggregator
error before any tree pass. ``DecisionTreeModel`` predicts a vector (a float) or an RDD of vectors (an RDD), and
has ``numNodes()``, ``depth()`` and ``toDebugString()`` whose first line is its ``repr``
("DecisionTreeModel classifier of depth 2 with 5 nodes").
"""
from __future__ import annotations

from sparklite.ml.impl import tree as kernel
from sparklite.ml.tree import trees_from_table, trees_to_table
from sparklite.mllib.classification import predict_each
from sparklite.mllib.instances import RDDInstances
from sparklite.mllib.regression import as_vector
from sparklite.mllib.util import Loader, Saveable
from sparklite.sql.errors import IllegalArgumentException

__all__ = ["DecisionTree", "DecisionTreeModel"]


class DecisionTreeModel(Saveable, Loader):
    """A trained decision tree (classification when it has classes, else regression)."""

    def __init__(self, tree=None):
        self._tree = tree

    def predict(self, x):
        """The leaf's prediction for a vector, or an RDD of predictions of an RDD of vectors."""
        if hasattr(x, "mapPartitions"):
            return predict_each(self, x)
        return float(self._tree.predict(as_vector(x).toArray().reshape(1, -1))[0])

    def numNodes(self) -> int:
        return self._tree.num_nodes

    def depth(self) -> int:
        return self._tree.depth

    def __repr__(self) -> str:
        algo = "classifier" if self._tree.num_classes else "regressor"
        return f"DecisionTreeModel {algo} of depth {self.depth()} with {self.numNodes()} nodes"

    def toDebugString(self) -> str:
        """The model's ``repr`` and its nodes, one per line."""
        return repr(self) + "\n" + kernel.debug_string_body(self._tree)

    def _data(self):
        return trees_to_table([self._tree])

    @classmethod
    def _from_saved(cls, metadata: dict, table) -> "DecisionTreeModel":
        return cls(trees_from_table(table)[0])


def _check_labels(points: RDDInstances, num_classes: int, impurity: str) -> None:
    """Spark's impurity aggregator's check of the labels, from the summary pass."""
    aggregator = f"{impurity.capitalize()}Aggregator"
    if points.count and points.label_min < 0:
        raise IllegalArgumentException(f"{aggregator} given label {points.label_min} but requires label to be "
                                       "non-negative.")
    if points.count and points.label_max >= num_classes:
        raise IllegalArgumentException(f"{aggregator} given label {points.label_max} but requires label < "
                                       f"numClasses (= {num_classes}).")


class DecisionTree:
    """Train a decision tree for classification or regression."""

    @classmethod
    def trainClassifier(cls, data, numClasses: int, categoricalFeaturesInfo: dict, impurity: str = "gini",
                        maxDepth: int = 5, maxBins: int = 32, minInstancesPerNode: int = 1,
                        minInfoGain: float = 0.0) -> DecisionTreeModel:
        """A classification tree of ``data`` (labels 0..numClasses-1); ``impurity`` "gini" or "entropy"."""
        return cls._train(data, "classification", numClasses, categoricalFeaturesInfo, impurity, maxDepth,
                          maxBins, minInstancesPerNode, minInfoGain)

    @classmethod
    def trainRegressor(cls, data, categoricalFeaturesInfo: dict, impurity: str = "variance", maxDepth: int = 5,
                       maxBins: int = 32, minInstancesPerNode: int = 1, minInfoGain: float = 0.0) -> DecisionTreeModel:
        """A regression tree of ``data``; ``impurity`` "variance"."""
        return cls._train(data, "regression", 0, categoricalFeaturesInfo, impurity, maxDepth, maxBins,
                          minInstancesPerNode, minInfoGain)

    @staticmethod
    def _train(data, algo, num_classes, categorical, impurity, max_depth, max_bins, min_instances, min_info_gain):
        with RDDInstances(data, "DecisionTree") as points:
            if algo == "classification":
                _check_labels(points, num_classes, impurity)
            try:
                trees = kernel.train(points, algo=algo, num_classes=num_classes,
                                     categorical={int(f): int(n) for f, n in (categorical or {}).items()},
                                     impurity=impurity, max_depth=max_depth, max_bins=max_bins,
                                     min_instances_per_node=min_instances, min_info_gain=min_info_gain,
                                     num_trees=1, feature_subset_strategy="all")
            except ValueError as e:
                raise IllegalArgumentException(f"requirement failed: {e}") from None
        return DecisionTreeModel(trees[0])
