"""The model card of a version, as Markdown."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from fastapi.responses import Response

from mlcontinuum.api.routing import api_router
from mlcontinuum.kernel.auth.guards import ProjectRead
from mlcontinuum.kernel.storage.db import Db
from mlcontinuum.registry.schemas import MODEL_NAME_MAX, MODEL_NAME_PATTERN
from mlcontinuum.trust import queries

routes = api_router(tags=["models"])
ModelName = Annotated[
    str, Path(pattern=MODEL_NAME_PATTERN, max_length=MODEL_NAME_MAX, description="Model name.")
]
VERSION = "/projects/{project}/models/{name}/versions/{version}"


@routes.get(
    VERSION + "/card.md",
    response_class=Response,
    responses={200: {"content": {"text/markdown": {}}, "description": "The model card."}},
)
def model_card(db: Db, access: ProjectRead, name: ModelName, version: int) -> Response:
    text = queries.model_card_markdown(db, access, name, version)
    return Response(text, media_type="text/markdown; charset=utf-8")
