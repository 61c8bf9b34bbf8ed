"""Operations: the production pages (project health, a deployment's monitoring page, alerts and
change requests with their forms), composed from monitoring, alerts, changes and releases."""
