"""The driver's schedulers: the DAG scheduler cuts jobs into stages and decides what to (re)run;
it hands tasks to executors through a backend and keeps map outputs in the map-output tracker."""
