"""The HTTP server's parts: parsing, the event loop, the worker pool, writing (see gateway/server.py)."""
