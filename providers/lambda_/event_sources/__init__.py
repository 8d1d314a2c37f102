"""Event source mappings: everything but the API operations, one module per job.

The operations (``Create/Get/Update/Delete/ListEventSourceMappings``) live in
``providers/lambda_/api/event_source_mappings.py``; they use:

- ``kinds``          which poller an event source ARN needs (SQS, Kinesis, DynamoDB, Kafka, MQ, DocumentDB)
- ``defaults``       a new mapping's configuration (per-source defaults, echoed members) and record
- ``validation``     AWS's parameter rules per source type, and the duplicate-mapping conflict
- ``source_checks``  whether an SQS queue / Kinesis or DynamoDB stream exists, asked through botocore
- ``states``         the state machine (``Creating`` -> ``Enabled`` ...) and the view derived from the clock
- ``listeners``      the poller's listener protocol and its notification
"""
