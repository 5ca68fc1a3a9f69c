"""sparklite benchmarks: each script prints its figures with the ratio to a baseline measured in the same run."""
