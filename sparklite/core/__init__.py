"""sparklite's core: SparkContext, RDDs and lineage, the DAG scheduler, shuffle, the Arrow block
store, broadcast variables, accumulators, checkpoints and the listener bus."""
