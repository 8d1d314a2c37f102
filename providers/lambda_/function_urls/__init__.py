"""Function URLs: HTTP requests reach Lambda functions as AWS routes and maps them.

A route plugin (entry point ``lambda:function-urls`` in group ``gateway.routes``);
the gateway knows nothing of Lambda. One module per job:

- ``address``  which requests are function-URL requests (host or path form), cheaply
- ``router``   the plugin the gateway constructs; ``match`` is a string check
- ``service``  one request end to end: lookup -> CORS preflight -> auth -> invoke -> map
- ``event``    the payload format 2.0 event AWS builds from the HTTP request
- ``response`` AWS's mapping of a function result to the HTTP response
- ``streaming`` ``InvokeMode: RESPONSE_STREAM``: the prelude and chunked relay
- ``cors``     the URL config's ``Cors`` on preflights and responses
- ``auth``     ``ENFORCE_IAM``: resource policies and SigV4 verification
"""

from .router import FunctionUrlRouter

__all__ = ["FunctionUrlRouter"]
