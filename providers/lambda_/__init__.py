"""The Lambda provider: the whole Lambda API, as AWS behaves."""
