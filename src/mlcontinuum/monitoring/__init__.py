"""Run-time monitoring: production batches (profiles, predictions, labels), KPI values, and the
per-window evaluations computed from them. See docs/monitoring.md."""
