"""Alerts: rules from the charter's KPI thresholds plus per-project drift and data-quality rules;
de-duplicated alerts that go open → acknowledged → resolved. See docs/alerts.md."""
