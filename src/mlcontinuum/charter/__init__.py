"""Projects and their charter: scope, stakeholders, KPIs with thresholds, and its versions."""
