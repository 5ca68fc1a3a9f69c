"""Executor-side storage: the Arrow record codec and the block store that holds cached partitions,
shuffle outputs and broadcast values under a byte budget."""
