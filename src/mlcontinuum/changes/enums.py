"""Vocabularies of the change-control slice."""

from __future__ import annotations

from enum import StrEnum


class ChangeOption(StrEnum):
    RETRAIN = "retrain"  # follow-up: a retrain trigger (retrain.requested, sent to retrain hooks)
    REDEPLOY = "redeploy"  # follow-up: a release request for a chosen version
    ROLL_BACK = "roll_back"  # follow-up: a release request for the previous version
    ACCEPT = "accept"  # follow-up: a note for the plan


class ChangeStatus(StrEnum):
    OPEN = "open"  # under discussion
    PROPOSED = "proposed"  # a decision is proposed and waits for approvals by policy
    DECIDED = "decided"  # approved; its follow-up exists
    WITHDRAWN = "withdrawn"
