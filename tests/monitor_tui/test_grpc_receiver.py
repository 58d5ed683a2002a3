"""The OTLP/gRPC receiver: the real OTel gRPC exporter, and malformed or oversized calls."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from monitor_tui.ingest.receiver import Receiver
from monitor_tui.ingest.store import SpanStore
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.sdk.trace.export import SpanExportResult

from charter import semconv
from tests.monitor_tui.otlp_bodies import (
    array_value,
    protobuf_body,
    sdk_spans,
    with_call_attribute,
)

METHOD = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"


@pytest.fixture
def export_raw(receiver: Receiver) -> Iterator[grpc.UnaryUnaryMultiCallable]:
    """The Export method taking raw bytes, to send what a real exporter never would."""
    assert receiver.grpc is not None
    channel = grpc.insecure_channel(
        receiver.grpc.endpoint, options=[("grpc.max_send_message_length", 64 << 20)]
    )
    yield channel.unary_unary(METHOD)
    channel.close()


def test_real_grpc_exporter_spans_are_stored(receiver: Receiver) -> None:
    assert receiver.grpc is not None
    exporter = OTLPSpanExporter(endpoint=receiver.grpc.endpoint, insecure=True)
    assert exporter.export(sdk_spans(3, action="require_approval")) is SpanExportResult.SUCCESS
    exporter.shutdown()
    assert receiver.pipeline.flush()
    calls = receiver.store.recent_calls()
    assert len(calls) == 3
    assert {c.action for c in calls} == {"require_approval"}
    assert receiver.store.count() == 6
    assert all(c.attributes[semconv.APP] == "support-bot" for c in calls)


def test_a_span_older_than_the_retention_is_a_partial_success(
    receiver: Receiver, export_raw: grpc.UnaryUnaryMultiCallable
) -> None:
    request = ExportTraceServiceRequest.FromString(protobuf_body(1))
    request.resource_spans[0].scope_spans[0].spans[0].end_time_unix_nano = 1  # 1970
    answer = ExportTraceServiceResponse.FromString(export_raw(request.SerializeToString()))
    assert answer.partial_success.rejected_spans == 1
    assert "older than the 604,800s" in answer.partial_success.error_message
    assert receiver.pipeline.flush()
    assert receiver.store.count() == 1


def test_malformed_bytes_are_invalid_argument_with_the_reason(
    receiver: Receiver, export_raw: grpc.UnaryUnaryMultiCallable
) -> None:
    assert ExportTraceServiceResponse.FromString(export_raw(protobuf_body(1))) is not None
    for bad in (b"this is not protobuf", protobuf_body(2)[:-5]):
        with pytest.raises(grpc.RpcError) as err:
            export_raw(bad)
        assert err.value.code() is grpc.StatusCode.INVALID_ARGUMENT
        assert "ExportTraceServiceRequest" in err.value.details()
    assert receiver.pipeline.flush()
    assert receiver.store.count() == 2  # the good call's spans, untouched
    assert receiver.stats().rejected_requests == 2


def test_oversized_message_is_refused_and_nothing_lost(
    receiver: Receiver, export_raw: grpc.UnaryUnaryMultiCallable
) -> None:
    export_raw(protobuf_body(1))
    with pytest.raises(grpc.RpcError) as err:
        export_raw(b"\0" * (50 << 20))
    assert err.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    export_raw(protobuf_body(1))
    assert receiver.pipeline.flush()
    assert receiver.store.count() == 4


def test_saturated_is_unavailable(live_store: SpanStore) -> None:
    receiver = Receiver(live_store, http_port=0, grpc_port=0, max_inflight=1)
    receiver.start()
    try:
        assert receiver.grpc is not None
        with grpc.insecure_channel(receiver.grpc.endpoint) as channel:
            export = channel.unary_unary(METHOD)
            assert receiver.grpc.admission.try_enter()  # another request holds the only slot
            with pytest.raises(grpc.RpcError) as err:
                export(protobuf_body(1))
            assert err.value.code() is grpc.StatusCode.UNAVAILABLE
            assert "saturated" in err.value.details()
            receiver.grpc.admission.leave()
            export(protobuf_body(1))
        assert receiver.pipeline.flush()
        assert receiver.store.count() == 2
        assert receiver.stats().saturated_requests == 1
    finally:
        receiver.stop()


def test_a_span_whose_action_is_not_text_is_a_partial_success(live_store: SpanStore) -> None:
    """Found by probing: with sampling on, one span whose decision action was a list failed
    the whole call with UNKNOWN "unhashable type: 'list'" and its good spans were lost."""
    receiver = Receiver(live_store, http_port=0, grpc_port=0, sample_rate=0.5)
    receiver.start()
    try:
        assert receiver.grpc is not None
        body = with_call_attribute(
            protobuf_body(3, action="deny"), semconv.ACTION, array_value("deny"), call=1
        )
        with grpc.insecure_channel(receiver.grpc.endpoint) as channel:
            answer = ExportTraceServiceResponse.FromString(channel.unary_unary(METHOD)(body))
        assert answer.partial_success.rejected_spans == 1
        assert f"{semconv.ACTION} must be a string" in answer.partial_success.error_message
        assert receiver.pipeline.flush()
        assert [c.action for c in receiver.store.recent_calls()] == ["deny", "deny"]
    finally:
        receiver.stop()
