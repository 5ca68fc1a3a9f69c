"""``pyspark.mllib``: the RDD-based machine learning API, trained on the same kernels as ``sparklite.ml``.

Contract: the trainers take an RDD of ``LabeledPoint`` (``regression``) or of vectors, turn each
partition's records into one numpy chunk, cached for the training (``instances.RDDInstances``), and
hand that to the kernels of ``sparklite.ml.impl``: one job per pass, described for the UI. Models
predict on one vector on the driver or on an RDD of vectors (an RDD back), and save with
``model.save(sc, path)`` / ``Model.load(sc, path)`` in ``sparklite.ml.util``'s layout.

Modules: ``classification`` (LogisticRegressionWithLBFGS, NaiveBayes), ``tree`` (DecisionTree),
``clustering`` (KMeans), ``stat`` (Statistics), ``regression`` (LabeledPoint), ``linalg``, ``util``
(MLUtils, the save/load helpers).
"""
