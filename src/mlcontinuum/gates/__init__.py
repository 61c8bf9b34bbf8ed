"""Gates: checks every candidate model must pass before it may look releasable.

One check per module under `checks/`, registered by name with a stable type key; the gates
file (YAML in the ML repository) picks and parameterises them; `runner` runs them on a model and
its evaluation data; `junit` writes the results for any CI. The server stores results
(`models`, `service`) but never loads a model: that happens on the client only.
"""
