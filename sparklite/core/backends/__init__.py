"""Executor backends: where executors live. Each is a thin adapter that starts ``Executor``s,
launches tasks on them and posts their outcomes back to the DAG scheduler."""
