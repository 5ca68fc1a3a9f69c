"""Benchmark workloads, each written once for sparklite and once as MapReduce jobs."""
