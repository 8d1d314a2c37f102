"""The Lambda data plane: environments, the Runtime API, pools, invocation.

Split as AWS's Runtime Interface Emulator splits it: the Runtime API's HTTP
routes are thin (``runtime_api.py``); the invocation state machine lives in
``environment.py`` and is testable without HTTP; executors (``../executors``)
only start and stop processes and know nothing of the API.
"""
