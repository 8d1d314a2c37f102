"""Event filtering of event source mappings (``FilterCriteria``): pure, no I/O.

The API a poller needs, compiled once per mapping configuration::

    from providers.lambda_.event_sources.filtering import FilterSet, view_of
    filters = FilterSet.compile(mapping["FilterCriteria"], kind)   # kind: event_sources.kinds
    keep = [record for record in records if filters.matches(view_of(kind, record))]

or per source: ``view_of_sqs_record``, ``view_of_kinesis_record``,
``view_of_dynamodb_record``, ``view_of_kafka_record``, ``view_of_mq_record``
(each takes the record as Lambda delivers it to the function).

What a poller does with a record no filter matches is AWS's, per source:
SQS deletes the message (it is never delivered, never retried, never reaches
the DLQ); Kinesis and DynamoDB Streams advance the checkpoint past it; Kafka
commits its offset with the batch; Amazon MQ acknowledges it.

``FilterSet.compile`` raises ``InvalidFilterCriteria`` (``.message`` is AWS's
text, "Invalid filter pattern definition."); ``validation.validate_config``
calls it on CreateEventSourceMapping and UpdateEventSourceMapping.

Modules: ``compiler`` (pattern text -> checked tree), ``rules`` (leaf
operators), ``matcher`` (tree x event), ``views`` (what a pattern sees of a
record, per source), ``filter_set`` (Lambda's limits and the any-of).
The cases behind the semantics are data: ``specs/event-filters/*.json``.
"""

from .errors import INVALID_PATTERN, InvalidFilterCriteria
from .filter_set import MAX_FILTERS, FilterSet
from .views import (
    RecordView,
    view_of,
    view_of_dynamodb_record,
    view_of_kafka_record,
    view_of_kinesis_record,
    view_of_mq_record,
    view_of_sqs_record,
)

__all__ = [
    "INVALID_PATTERN",
    "MAX_FILTERS",
    "FilterSet",
    "InvalidFilterCriteria",
    "RecordView",
    "view_of",
    "view_of_dynamodb_record",
    "view_of_kafka_record",
    "view_of_kinesis_record",
    "view_of_mq_record",
    "view_of_sqs_record",
]
