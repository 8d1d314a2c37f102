"""The parts of request validation; the public surface is ``gateway.protocol.validate``.

- ``settings``: ``specs/validation/<service>.json`` and the skip trees built from it;
- ``messages``: AWS's (Java's) wording: values, lengths, the error message;
- ``rules``: (predicate, constraint text) pairs for one shape's constraints;
- ``compiler``: per-shape checks compiled into nested closures.
"""
