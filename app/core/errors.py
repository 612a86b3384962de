"""The one error tree. Each third-party exception is mapped into it where it enters the app."""

from __future__ import annotations

from collections.abc import Mapping


class VansRouteError(Exception):
    """Base of every error the app raises on purpose."""


class ConfigError(VansRouteError):
    """Bad input to an admin command or a broken configuration (shown to the user as is)."""


class NotFound(ConfigError):
    """An admin command named something that does not exist."""


class AlreadyExists(ConfigError):
    """An admin command tried to create something whose id is taken."""


class StoreError(VansRouteError):
    """The database could not be opened, migrated or written."""


class SecretStoreUnavailable(VansRouteError):
    """No usable secret store (e.g. keyring's fail backend). The message says what to do."""


class SecretMissing(VansRouteError):
    """A secret reference points at nothing (deleted keyring entry, unset environment variable)."""


class GatewayError(VansRouteError):
    """Base of errors turned into an HTTP answer in the client's own wire format."""

    status: int = 500
    code: str = "internal_error"
    # The OpenAI `type` field; Anthropic and Gemini adapters map from status.
    kind: str = "api_error"
    # Seconds the client should wait before trying again (sent as Retry-After), when known.
    retry_after: float | None = None

    def __init__(self, message: str, *, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param


class ClientError(GatewayError):
    """4xx to the client, never a fallback."""

    status = 400
    code = "invalid_request"
    kind = "invalid_request_error"


class InvalidRequest(ClientError):
    """Bad JSON or schema; `param` names the offending field."""


class ContextTooLong(InvalidRequest):
    """The request does not fit the context window of any model it could go to."""

    code = "context_length_exceeded"


class Unauthorized(ClientError):
    status = 401
    code = "invalid_api_key"
    kind = "authentication_error"


class Forbidden(ClientError):
    status = 403
    code = "forbidden"
    kind = "permission_error"


class NotFoundError(ClientError):
    """Unknown provider or model in the request."""

    status = 404
    code = "model_not_found"
    kind = "not_found_error"


class PayloadTooLarge(ClientError):
    status = 413
    code = "request_too_large"
    kind = "request_too_large"


class UnsupportedFeature(ClientError):
    code = "unsupported_feature"


class UpstreamError(GatewayError):
    """The upstream failed; `status` is what the client sees."""

    status = 502
    code = "upstream_error"
    kind = "api_error"


class UpstreamUnreachable(UpstreamError):
    status = 502
    code = "upstream_unreachable"


class ProxyFailed(UpstreamUnreachable):
    """The account's upstream proxy refused or dropped the connection: the proxy, not the provider."""

    code = "proxy_failed"


class UpstreamTimeout(UpstreamUnreachable):
    status = 504
    code = "upstream_timeout"


class UpstreamHTTPError(UpstreamError):
    """The upstream answered with an error status; its body is kept for the client."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        body: bytes = b"",
        content_type: str = "application/json",
        retry_after: float | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = body
        self.content_type = content_type
        self.retry_after = retry_after
        # The upstream's response headers: rate-limit resets live there (x-ratelimit-reset-*, …).
        self.headers: Mapping[str, str] = headers or {}


class StreamInterrupted(UpstreamError):
    """The upstream stream broke after the first byte reached the client."""

    code = "stream_interrupted"


class NoRouteAvailable(GatewayError):
    status = 503
    code = "no_route_available"
    kind = "api_error"
