"""gRPC on grpc.aio: a server with the standard health service, and client channels."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextvars import ContextVar

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from jixiao.errors import JixiaoError, Unauthorized

HEALTH = "/grpc.health.v1.Health/"
GRPC_ROLES = ("system", "office")  # gRPC is for services and the office's tools, not for people's apps

Registration = tuple[Callable[[object, grpc.aio.Server], None], object]

_STATUS = {
    400: grpc.StatusCode.INVALID_ARGUMENT,
    404: grpc.StatusCode.NOT_FOUND,
    409: grpc.StatusCode.FAILED_PRECONDITION,
    412: grpc.StatusCode.FAILED_PRECONDITION,
    422: grpc.StatusCode.INVALID_ARGUMENT,
    503: grpc.StatusCode.UNAVAILABLE,
}


# Calls that change state: the office only, and the actor is the token's user (`caller`).
WRITE_METHODS = ("/ClosePeriod", "/Rescore")
_caller: ContextVar[str | None] = ContextVar("grpc_caller", default=None)


def caller(default: str) -> str:
    """The user of the current gRPC call's token (with auth on), else `default`."""
    return _caller.get() or default


class _TokenCheck(grpc.aio.ServerInterceptor):
    """With auth on: every call but health checks needs `authorization: Bearer <token>` of a system
    or office role, writes (`WRITE_METHODS`) of the office (UNAUTHENTICATED / PERMISSION_DENIED
    otherwise); revoked tokens are refused."""

    def __init__(self, secret: str, revoked: Callable[[], frozenset[str]] = frozenset) -> None:
        self.secret = secret
        self.revoked = revoked

    async def intercept_service(self, continuation, details):
        handler = await continuation(details)
        if handler is None or details.method.startswith(HEALTH):
            return handler
        from jixiao.auth import read_token

        header = dict(details.invocation_metadata or ()).get("authorization", "")
        scheme, _, token = header.partition(" ")
        try:
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthorized("this call needs `authorization: Bearer <token>` metadata")
            who = read_token(self.secret, token.strip(), self.revoked())
        except Unauthorized as exc:
            return _refusal(handler, grpc.StatusCode.UNAUTHENTICATED, exc.detail)
        if not who.has(*GRPC_ROLES):
            return _refusal(
                handler,
                grpc.StatusCode.PERMISSION_DENIED,
                f"{who.user} may not call {details.method}: it needs the role system or office",
            )
        if details.method.endswith(WRITE_METHODS):
            if not who.has("office"):
                return _refusal(
                    handler,
                    grpc.StatusCode.PERMISSION_DENIED,
                    f"{who.user} may not call {details.method}: it needs the role office",
                )
            return _as_caller(handler, who.user)
        return handler


def _as_caller(handler: grpc.RpcMethodHandler, user: str) -> grpc.RpcMethodHandler:
    """The same handler, run with `caller()` naming the token's user."""
    if handler.unary_unary is None:
        return handler

    async def unary(request, context):
        from jixiao.auth import Principal, caller_var

        token = _caller.set(user)
        caller_var.set(Principal(user, frozenset({"office"})))
        try:
            return await handler.unary_unary(request, context)
        finally:
            _caller.reset(token)

    return grpc.unary_unary_rpc_method_handler(
        unary, request_deserializer=handler.request_deserializer, response_serializer=handler.response_serializer
    )


def _refusal(handler: grpc.RpcMethodHandler, code: grpc.StatusCode, message: str) -> grpc.RpcMethodHandler:
    async def unary(request, context):
        await context.abort(code, message)

    async def stream(request, context):
        await context.abort(code, message)
        yield  # pragma: no cover - abort raises

    kind = grpc.unary_stream_rpc_method_handler if handler.unary_stream else grpc.unary_unary_rpc_method_handler
    return kind(
        stream if handler.unary_stream else unary,
        request_deserializer=handler.request_deserializer,
        response_serializer=handler.response_serializer,
    )


def bearer_metadata(token: str | None) -> tuple[tuple[str, str], ...]:
    """Call metadata carrying a bearer token (none without a token)."""
    return (("authorization", f"Bearer {token}"),) if token else ()


async def start_server(
    port: int,
    registrations: Iterable[Registration],
    *,
    host: str = "127.0.0.1",
    service_names: Iterable[str] = (),
    token_secret: str | None = None,
    revoked: Callable[[], frozenset[str]] = frozenset,
) -> tuple[grpc.aio.Server, int]:
    """Start a server with our servicers and grpc.health.v1; returns it and its bound port.
    With `token_secret`, calls need a bearer token (see `_TokenCheck`)."""
    server = grpc.aio.server(interceptors=[_TokenCheck(token_secret, revoked)] if token_secret else None)
    for add, servicer in registrations:
        add(servicer, server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    bound = server.add_insecure_port(f"{host}:{port}")
    await server.start()
    for name in ["", *service_names]:
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    return server, bound


def channel(target: str) -> grpc.aio.Channel:
    """An insecure channel to a service on the internal network."""
    return grpc.aio.insecure_channel(target, options=[("grpc.max_receive_message_length", 64 * 1024 * 1024)])


async def abort_with(context: grpc.aio.ServicerContext, exc: JixiaoError) -> None:
    """Translate one of our errors into a gRPC status (the gRPC twin of the problem handlers)."""
    await context.abort(_STATUS.get(exc.status, grpc.StatusCode.INTERNAL), exc.detail)
