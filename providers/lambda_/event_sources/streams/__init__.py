"""The stream poller core shared by the Kinesis and DynamoDB Streams pollers.

A source adapter (``source.StreamSource``: ``kinesis/source.py``,
``dynamodb_streams/source.py``) lists a stream's shards, opens shard
iterators and reads records in the shape Lambda delivers them; the core does
the rest, as AWS's stream pollers do:

- ``poller.py``: one reader per shard; children of a split or merge after
  their parents; a stream that disappears disables the mapping.
- ``reader.py``: reads a shard from its checkpoint, skips records no filter
  matches, deals the rest to lanes, sleeps on change notices when idle.
- ``lanes.py``: ``ParallelizationFactor`` lanes, batching (``BatchSize``,
  ``MaximumBatchingWindowInSeconds``, 6 MB), tumbling windows.
- ``batches.py``: one batch to its outcome: retries, bisect, maximum record
  age, partial batch responses (``responses.py``), ``OnFailure``
  destinations (``failures.py``), ``LastProcessingResult``.
- ``windows.py``: tumbling window state.
- ``progress.py``, ``checkpoints.py``: the checkpoint passes a record only
  once it and every record before it reached its outcome; it is saved
  through the backend (on disk with ``PERSISTENCE=1``) and read back when
  the poller starts again. Delivery is at least once: a restart replays the
  batches in flight, never skips one.

Threads: the poller's own (shard discovery), one per shard being read, one
per lane. All end when the poller stops; a shard's records that had not
reached their outcome are read again by the next poller.
"""
