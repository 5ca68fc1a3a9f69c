"""DataFrame methods of streams: ``isStreaming``, ``withWatermark``, ``writeStream`` and the
deduplication of a stream (``dropDuplicates``, ``distinct``, ``dropDuplicatesWithinWatermark``).

Contract: ``StreamingMethods`` is a mixin of ``DataFrame`` using ``_plan``, ``_with``, ``_session``,
``_name_matcher`` and ``_deduplication_keys``. On a batch DataFrame ``withWatermark`` changes nothing
(Spark drops it from batch plans) and ``writeStream`` raises Spark's ``WRITE_STREAM_NOT_ALLOWED``; a
stream's ``dropDuplicates`` keeps each key's first row as it arrives (Spark's ``Deduplicate``) where a
batch's groups the rows.
"""
from __future__ import annotations

from sparklite.sql import streams
from sparklite.sql.builtins.timewindow import parse_duration
from sparklite.sql.errors import AnalysisException, PySparkTypeError
from sparklite.sql.plan import streaming as S
from sparklite.sql.plan.expressions import AttributeReference


class StreamingMethods:
    @property
    def isStreaming(self) -> bool:
        return S.is_streaming(self._plan)

    @property
    def writeStream(self):
        if not self.isStreaming:
            raise AnalysisException(errorClass="WRITE_STREAM_NOT_ALLOWED", messageParameters={})
        return streams.library().DataStreamWriter(self)

    def withWatermark(self, eventTime: str, delayThreshold: str):
        for name, value in (("eventTime", eventTime), ("delayThreshold", delayThreshold)):
            if not value or not isinstance(value, str):
                raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE", messageParameters={
                    "arg_name": name, "expected_type": "str", "arg_type": type(value).__name__})
        column = self._session.analyzer().resolve_expression(self[eventTime]._expr, self._plan)
        if not isinstance(column, AttributeReference):
            raise AnalysisException(errorClass="EVENT_TIME_MUST_BE_TOP_LEVEL_COLUMN",
                                    messageParameters={"eventExpr": eventTime})
        S.check_event_time(self._plan, column.name)
        delay_ms = parse_duration(delayThreshold) // 1000
        if delay_ms < 0:
            raise AnalysisException(f"requirement failed: delay threshold ({delayThreshold}) should not be negative.")
        if not self.isStreaming:
            return self
        return self._with(S.EventTimeWatermark(column, delay_ms, self._plan))

    def dropDuplicatesWithinWatermark(self, subset=None):
        keys = self._deduplication_keys(subset)
        if not self.isStreaming:
            return self.dropDuplicates(subset)
        return self._with(S.Deduplicate(keys, self._plan, within_watermark=True))

    def _streaming_deduplicate(self, keys: list):
        return self._with(S.Deduplicate(keys, self._plan))
