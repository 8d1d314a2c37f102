"""Kafka event sources: self-managed Apache Kafka and Amazon MSK.

Modules: ``poller`` (the two poller plugins and their loop), ``client``
(confluent-kafka and the consumer's settings), ``positions`` (where each
partition starts), ``records`` (AWS's record and event shapes), ``delivery``
(a batch to its outcome: retries, bisection, partial failures, size limit),
``failures`` (the OnFailure destination's invocation record).
"""
