"""Which process is on the other end of a loopback TCP connection.

Each environment's Runtime API listens on a loopback port that every local
process can reach. A connection is accepted only if the socket at its other
end is held by one of the environment's own processes: the peer socket's
inode is looked up by its exact address pair (``NETLINK_SOCK_DIAG``, one
request; ``/proc/net/tcp`` where netlink is unavailable) and searched among
the file descriptors of the environment's processes.

The same request also names the cgroup (v2) of the process that made the peer
socket (``INET_DIAG_CGROUP_ID``, Linux 5.7+): how the gateway tells that a
connection to its API comes from inside an environment (``peer_cgroup_id``).
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
_ATTRIBUTE = struct.Struct("=HH")
_INET_DIAG_CGROUP_ID = 21


def _sockid(family: int, local: tuple, remote: tuple) -> bytes:
    """``inet_diag_sockid`` for the socket whose own address is ``local``."""
    packed_local = socket.inet_pton(family, local[0]).ljust(16, b"\0")
    packed_remote = socket.inet_pton(family, remote[0]).ljust(16, b"\0")
    return (struct.pack("!HH", local[1], remote[1]) + packed_local + packed_remote
            + struct.pack("=III", 0, _NO_COOKIE, _NO_COOKIE))


def _diagnose(family: int, local: tuple, remote: tuple) -> Optional[tuple[int, Optional[int]]]:
    """(inode, cgroup id or None) of the socket whose own address is ``local``; None if not found."""
    request = struct.pack("=BBBxI", family, socket.IPPROTO_TCP, 0, _ALL_STATES) + _sockid(family, local, remote)
    header = struct.pack("=IHHII", 16 + len(request), _SOCK_DIAG_BY_FAMILY, _NLM_F_REQUEST, 1, 0)
    with socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, _NETLINK_SOCK_DIAG) as netlink:
        netlink.settimeout(1.0)
        netlink.send(header + request)
        reply = netlink.recv(65536)
    if len(reply) < 16:
        return None
    length, kind = struct.unpack_from("=IH", reply)
    if kind == _NLMSG_ERROR or len(reply) < 16 + _MSG.size:
        return None
    inode = _MSG.unpack_from(reply, 16)[-1]
    cgroup_id = None
    offset, end = 16 + _MSG.size, min(length, len(reply))
    while offset + _ATTRIBUTE.size <= end:
        size, attribute = _ATTRIBUTE.unpack_from(reply, offset)
        if size < _ATTRIBUTE.size:
            break
        if attribute == _INET_DIAG_CGROUP_ID and size >= _ATTRIBUTE.size + 8:
            cgroup_id = struct.unpack_from("=Q", reply, offset + _ATTRIBUTE.size)[0]
        offset += (size + 3) & ~3
    return inode, cgroup_id


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
        found = _diagnose(family, theirs[:2], ours[:2])
    except OSError:
        found = None
    if found is not None and found[0]:
        return found[0]
    return _inode_by_proc(family, theirs[:2], ours[:2])


def peer_cgroup_id(connection: socket.socket) -> Optional[int]:
    """The cgroup v2 id (its directory's inode) of the process that opened the
    socket at the other end of ``connection``; None where the kernel cannot say."""
    try:
        ours, theirs = connection.getsockname(), connection.getpeername()
        found = _diagnose(connection.family, theirs[:2], ours[:2])
    except OSError:
        return None
    return found[1] if found is not None else None


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
