"""The demo project: churn prediction for a telecom operator, loaded by `continuum demo`.

`charter` holds the content, `baselines` computes the KPI baselines from the real `wa_churn`
data set, `load` writes it all through the services, idempotently. Later slices add their own
steps (runs, models, monitoring) to the same project.
"""
