"""gRPC on grpc.aio: a server with the standard health service, and client channels."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from jixiao.errors import JixiaoError

Registration = tuple[Callable[[object, grpc.aio.Server], None], object]

_STATUS = {400: grpc.StatusCode.INVALID_ARGUMENT, 404: grpc.StatusCode.NOT_FOUND,
           409: grpc.StatusCode.FAILED_PRECONDITION, 412: grpc.StatusCode.FAILED_PRECONDITION,
           422: grpc.StatusCode.INVALID_ARGUMENT, 503: grpc.StatusCode.UNAVAILABLE}


async def start_server(port: int, registrations: Iterable[Registration], *, host: str = "127.0.0.1",
                       service_names: Iterable[str] = ()) -> tuple[grpc.aio.Server, int]:
    """Start a server with our servicers and grpc.health.v1; returns it and its bound port."""
    server = grpc.aio.server()
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
