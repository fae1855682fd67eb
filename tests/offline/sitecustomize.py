"""No network for any Python process started with this folder on PYTHONPATH (Python imports
`sitecustomize` at start-up): an internet socket refuses to connect. Local sockets (the
worker pool's forkserver) still work."""

import socket

_connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex


def _refused(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        raise ConnectionRefusedError(f"offline: no network for this process (connect to {address})")


def _connect_offline(self, address):
    _refused(self, address)
    return _connect(self, address)


def _connect_ex_offline(self, address):
    _refused(self, address)
    return _connect_ex(self, address)


socket.socket.connect = _connect_offline
socket.socket.connect_ex = _connect_ex_offline
