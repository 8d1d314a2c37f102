"""The resource browser: server-rendered pages at ``/_gateway/ui/`` to see and
manage functions and layers (see the README's "Resource browser").

- ``router``: the routes (entry point ``lambda:resource-browser``), one table.
- ``safety``: same origin only, the forms' token, the answers' security headers.
- ``api``: botocore clients to the gateway's own API: every read and action goes
  through the Lambda (and CloudWatch Logs) API, never the Lambda stores.
- ``reads``: what the pages show, gathered with API calls.
- ``function_pages``, ``layer_pages``: the pages' handlers.
- ``forms``: form posts (URL-encoded, multipart uploads) and the inline editor's zip.
- ``render``: Jinja2 templates (``templates/``), autoescaped.
"""
