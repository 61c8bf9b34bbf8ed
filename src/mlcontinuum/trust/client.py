"""The trust part of the SDK: a version's model card."""

from __future__ import annotations

from mlcontinuum.registry.client import versions_path
from mlcontinuum.remote.base import ApiBase


class TrustClient(ApiBase):
    def model_card(self, slug: str, model: str, version: int) -> str:
        """The version's model card, in Markdown."""
        return self._request("GET", f"{versions_path(slug, model)}/{version}/card.md").text
