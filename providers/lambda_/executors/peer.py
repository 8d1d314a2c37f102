"""Which process is on the other end of a loopback TCP connection.

Each environment's Runtime API listens on a loopback port that every local
process can reach. A connection is accepted only if the socket at its other
end is held by one of the environment's own processes: the peer socket's
inode is looked up by its exact address pair (``NETLINK_SOCK_DIAG``, one
request; ``/proc/net/tcp`` where netlink is unavailable) and searched among
the file descriptors of the environment's processes.
"""

from __future__ import annotations

import os
import socket
import struct
from typing import Iterable, Optional

_NETLINK_SOCK_DIAG = 4
_SOCK_DIAG_BY_FAMILY = 20
_NLM_F_REQUEST = 1
_NLMSG_ERROR = 2
_ALL_STATES = 0xFFFFFFFF
_NO_COOKIE = 0xFFFFFFFF
# inet_diag_msg: family, state, timer, retrans, sockid (48 bytes), expires, rqueue, wqueue, uid, inode
_MSG = struct.Struct("=BBBB48sIIIII")


def _sockid(family: int, local: tuple, remote: tuple) -> bytes:
    """``inet_diag_sockid`` for the socket whose own address is ``local``."""
    packed_local = socket.inet_pton(family, local[0]).ljust(16, b"\0")
    packed_remote = socket.inet_pton(family, remote[0]).ljust(16, b"\0")
    return (struct.pack("!HH", local[1], remote[1]) + packed_local + packed_remote
            + struct.pack("=III", 0, _NO_COOKIE, _NO_COOKIE))


def _inode_by_netlink(family: int, local: tuple, remote: tuple) -> Optional[int]:
    request = struct.pack("=BBBxI", family, socket.IPPROTO_TCP, 0, _ALL_STATES) + _sockid(family, local, remote)
    header = struct.pack("=IHHII", 16 + len(request), _SOCK_DIAG_BY_FAMILY, _NLM_F_REQUEST, 1, 0)
    with socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, _NETLINK_SOCK_DIAG) as netlink:
        netlink.settimeout(1.0)
        netlink.send(header + request)
        reply = netlink.recv(65536)
    if len(reply) < 16:
        return None
    _length, kind = struct.unpack_from("=IH", reply)
    if kind == _NLMSG_ERROR or len(reply) < 16 + _MSG.size:
        return None
    return _MSG.unpack_from(reply, 16)[-1] or None


def _inode_by_proc(family: int, local: tuple, remote: tuple) -> Optional[int]:
    if family != socket.AF_INET:
        return None
    wanted_local = "%08X:%04X" % (struct.unpack("<I", socket.inet_aton(local[0]))[0], local[1])
    wanted_remote = "%08X:%04X" % (struct.unpack("<I", socket.inet_aton(remote[0]))[0], remote[1])
    try:
        with open("/proc/net/tcp") as handle:
            next(handle)
            for line in handle:
                fields = line.split()
                if fields[1] == wanted_local and fields[2] == wanted_remote:
                    return int(fields[9])
    except (OSError, ValueError, IndexError, StopIteration):
        return None
    return None


def peer_inode(connection: socket.socket) -> Optional[int]:
    """The inode of the socket at the other end of ``connection`` (a local TCP connection)."""
    try:
        ours, theirs = connection.getsockname(), connection.getpeername()
    except OSError:
        return None
    family = connection.family
    try:
        inode = _inode_by_netlink(family, theirs[:2], ours[:2])
    except OSError:
        inode = None
    return inode if inode is not None else _inode_by_proc(family, theirs[:2], ours[:2])


def socket_owned_by(connection: socket.socket, pids: Iterable[int]) -> bool:
    """Whether one of ``pids`` holds the socket at the other end of ``connection``."""
    inode = peer_inode(connection)
    if inode is None:
        return False
    wanted = f"socket:[{inode}]"
    for pid in pids:
        directory = f"/proc/{pid}/fd"
        try:
            fds = os.listdir(directory)
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"{directory}/{fd}") == wanted:
                    return True
            except OSError:
                continue
    return False
