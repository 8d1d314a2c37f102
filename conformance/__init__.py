"""AWS's durable-functions conformance requirements, run against the gateway (``make conformance``)."""
