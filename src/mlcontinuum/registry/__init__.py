"""Runs and model versions: the experiments built from the register's data, with lineage."""
