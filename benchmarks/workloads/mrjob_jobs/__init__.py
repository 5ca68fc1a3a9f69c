"""mrjob job scripts for the mrjob peer (see ``benchmarks.workloads.mrjob_peer``).

Each module holds one ``MRJob`` subclass at top level and ends with ``Job.run()`` under
``if __name__ == "__main__"``: mrjob's local runner copies the module's file and runs it as a
script in a subprocess per map, combine and reduce task. The scripts import only mrjob and the
standard library, so those subprocesses need nothing from this project on their path."""
