"""Releases: the release policy of each environment, requests with their evidence and policy
check, approvals by both sides, owners' overrides, deployments, DORA."""

from mlcontinuum.kernel.slice import Area, EventType, NavItem, Slice
from mlcontinuum.releases.permissions import PERMISSIONS

SLICE = Slice(
    name="releases",
    summary="Release policies, release requests, approvals, deployments, rollbacks and DORA "
    "figures.",
    package="mlcontinuum.releases",
    tables="mlcontinuum.releases.models",
    api=("mlcontinuum.releases.api",),
    pages=("mlcontinuum.releases.pages.releases", "mlcontinuum.releases.pages.policy"),
    nav=(
        NavItem(Area.DEPLOY, "Releases", "releases"),
        NavItem(Area.DEPLOY, "Deployments", "deployments"),
        NavItem(Area.DEPLOY, "Release policy", "release-policies"),
    ),
    permissions=PERMISSIONS,
    events=(
        EventType("release.requested", "A release was requested.", subscribable=True),
        EventType("release.approval", "Someone approved a release request."),
        EventType("release.approved", "A release got every approval it needs.", subscribable=True),
        EventType("release.rejected", "A release request was rejected.", subscribable=True),
        EventType("release.policy_updated", "An owner changed an environment's release policy."),
        EventType(
            "release.policy_overridden",
            "An owner let a release that breaks its policy go on, with a reason: a policy "
            "exception.",
            subscribable=True,
        ),
        EventType("deployment.recorded", "A version was deployed.", subscribable=True),
        EventType("deployment.rolled_back", "A deployment was rolled back.", subscribable=True),
    ),
    docs=("releases.md",),
)
