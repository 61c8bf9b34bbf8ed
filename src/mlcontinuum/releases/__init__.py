"""Releases: requests with their evidence, approvals by policy, deployments, rollback, DORA."""
