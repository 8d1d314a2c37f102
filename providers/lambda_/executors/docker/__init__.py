"""The ``docker`` executor: execution environments as containers of AWS's images
(``executor.py``, the entry point); images (``images.py``), the engine and
container ownership (``engine.py``), networking (``network.py``), one running
container (``container.py``) and ``LAMBDA_DOCKER_FLAGS`` (``flags.py``).

Nothing is imported here: the configuration check reads ``flags`` and
``images`` without loading the Docker SDK."""
