"""A fake Azure OpenAI resource: OpenAI's chat wire format under
``/openai/deployments/{deployment}/chat/completions?api-version=…``, authenticated by an ``api-key``
header, with Azure's own error bodies for a missing api-version and a bad key."""

from __future__ import annotations

from collections.abc import Sequence

import orjson
from aiohttp import web

from tests.fakes.openai_upstream import FakeOpenAI
from tests.fakes.server import RecordedRequest

_DENIED = (
    "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid "
    "key for an active subscription and use a correct regional API endpoint for your resource."
)


class FakeAzureOpenAI(FakeOpenAI):
    def __init__(self, *, deployments: Sequence[str] = ("gpt5",), api_key: str = "azure-key") -> None:
        super().__init__(models=deployments, api_key=api_key)
        self.deployments = tuple(deployments)

    def _routes(self, router: web.UrlDispatcher) -> None:
        router.add_post("/openai/deployments/{deployment}/chat/completions", self._azure_chat)
        super()._routes(router)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    async def _azure_chat(self, request: web.Request) -> web.StreamResponse:
        if not request.query.get("api-version"):
            return _azure_error(404, "404", "Resource not found")
        if request.match_info["deployment"] not in self.deployments:
            return _azure_error(
                404,
                "DeploymentNotFound",
                "The API deployment for this resource does not exist. If you created the deployment "
                "within the last 5 minutes, please wait a moment and try again.",
            )
        return await self._chat(request)

    def _auth_error(self, rec: RecordedRequest) -> web.Response | None:
        if rec.headers.get("api-key") != self.api_key:
            return _azure_error(401, "401", _DENIED)
        return None


def _azure_error(status: int, code: str, message: str) -> web.Response:
    return web.Response(
        status=status,
        body=orjson.dumps({"error": {"code": code, "message": message}}),
        content_type="application/json",
    )
