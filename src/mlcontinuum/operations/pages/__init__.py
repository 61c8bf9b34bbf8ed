"""The production pages (area **Manage & Trust**): a deployment's page (drift heatmap,
performance over time, KPI trends, its alerts and change requests), the project's health at a
glance, the alerts with their acknowledge and resolve forms, and the change requests with their
decision and approval forms.

The services decide everything (what an alert may become, who must approve a decision and what
it creates); the pages show stored evaluations and the services' answers, refusals included,
next to the form that caused them. Each page's content is a view model (`views_*.py`).
"""
