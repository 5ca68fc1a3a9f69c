"""The numpy kernels behind ``sparklite.ml``: each trains one algorithm family and knows nothing of
DataFrames or contexts. A kernel sees the training data only through a ``data`` object whose
``aggregate(seq_op, comb_op, description)`` runs one distributed pass over per-partition chunks
(``index``, ``X``, ``y``, ``w``) and whose ``map_chunks(fn, description)`` caches a per-partition
derivative; it returns plain numpy values that the estimators wrap in Spark-shaped models."""
