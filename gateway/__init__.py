"""A local AWS service gateway: AWS wire protocols on one port, providers as plugins."""

__version__ = "0.1.0"
