"""Which bucket an S3 request's host names, and the host moto should see instead.

Clients reach our S3 three ways:

- path style, any host: ``http://127.0.0.1:4566/bucket/key``,
  ``http://s3.localhost.localstack.cloud:4566/bucket/key``;
- virtual-host style: ``http://bucket.s3.localhost.localstack.cloud:4566/key``,
  ``http://bucket.s3.<region>.localhost.localstack.cloud:4566/key``,
  ``http://bucket.s3.localhost:4566/key`` (and ``*.s3.amazonaws.com`` forms);
- presigned URLs of either style (SigV2 or SigV4 query authentication).

moto decides path vs virtual-host style from the host with heuristics of its own
(``S3Response.subdomain_based_buckets``): ``bucket.s3.localhost:4566`` is treated as
path style because it does not start with "localhost", ``s3.localhost.localstack.cloud``
as a virtual host of a bucket named "s3", and a LAN host name such as
``devbox.lan:4566`` as the bucket "devbox". Rather than bend those heuristics with
process-wide settings (``S3_IGNORE_SUBDOMAIN_BUCKETNAME``, ``MOTO_S3_CUSTOM_ENDPOINTS``,
read by moto at import), we decide here and hand moto the AWS host that
unambiguously means the same thing: ``<bucket>.s3.<region>.amazonaws.com`` or
``s3.<region>.amazonaws.com``. The region in that host also becomes moto's S3
region, so it follows the gateway's identification even for unsigned requests.
"""

from __future__ import annotations

import re
from typing import Optional

# Domains under which "<bucket>.s3[.<region>].<domain>" is a virtual-host request.
VIRTUAL_HOST_DOMAINS = ("localhost.localstack.cloud", "localhost", "amazonaws.com")

_VIRTUAL_HOST = re.compile(
    r"^(?P<bucket>.+)\.s3(?:[.-](?:dualstack[.-])?(?P<region>[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d+))?"
    r"\.(?P<domain>" + "|".join(re.escape(d) for d in VIRTUAL_HOST_DOMAINS) + r")$"
)


def bucket_from_host(host: str) -> Optional[str]:
    """The bucket a virtual-host style ``Host`` header names, else None.

    >>> bucket_from_host("my.bucket.s3.localhost.localstack.cloud:4566")
    'my.bucket'
    >>> bucket_from_host("s3.localhost.localstack.cloud:4566") is None
    True
    """
    name = _strip_port(host).lower()
    match = _VIRTUAL_HOST.match(name)
    return match.group("bucket") if match else None


def moto_host(host: str, region: str) -> str:
    """The host moto's S3 should see for a request that arrived with ``host``."""
    bucket = bucket_from_host(host)
    if bucket:
        return f"{bucket}.s3.{region}.amazonaws.com"
    return f"s3.{region}.amazonaws.com"


def _strip_port(host: str) -> str:
    if host.startswith("["):  # [::1]:4566
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if ":" in host else host
