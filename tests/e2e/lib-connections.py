"""Idle connections to hightouch-emulator, for t1012.

    lib-connections.py hold PORT N STATUS

Opens N TCP connections to 127.0.0.1:PORT and sends nothing on them.
Writes STATUS, replaced whole, as "open X closed Y": after connecting, and
each time the server closes one of them (end of file, or a reset).  Stops
when the server has closed them all, when a file STATUS.release appears
(then it closes the others itself), or after 300 seconds.

    lib-connections.py idle PORT HEADER-FILE TIMEOUT

Sends one request on a kept-alive connection, GET /api/v1/sources with
the Authorization header of HEADER-FILE, reads the answer, then waits up
to TIMEOUT seconds for the server to close the connection.  Prints the
answer's status line and "closed" (exit 0), or "still open" (exit 1).
"""

import os
import select
import socket
import sys
import time


def write_status(path, nopen, nclosed):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("open %d closed %d\n" % (nopen, nclosed))
    os.rename(tmp, path)


def server_closed(sock):
    """True when the server closed `sock` (EOF or reset)."""
    try:
        return sock.recv(4096) == b""
    except socket.timeout:
        raise
    except OSError:
        return True


def hold(port, n, status):
    socks = []
    nclosed = 0
    for _ in range(n):
        try:
            socks.append(socket.create_connection(("127.0.0.1", port),
                                                  timeout=30))
        except OSError:
            nclosed += 1
    write_status(status, len(socks), nclosed)
    deadline = time.monotonic() + 300
    while socks and time.monotonic() < deadline:
        if os.path.exists(status + ".release"):
            break
        readable, _, _ = select.select(socks, [], [], 0.1)
        for s in readable:
            if server_closed(s):
                socks.remove(s)
                s.close()
                nclosed += 1
        if readable:
            write_status(status, len(socks), nclosed)
    for s in socks:
        s.close()
    return 0


def idle(port, header_file, timeout):
    with open(header_file) as f:
        header = f.readline().strip()
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(("GET /api/v1/sources HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  "%s\r\n\r\n" % header).encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            print("closed before the answer")
            return 1
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    print(lines[0])
    sock.settimeout(timeout)
    try:
        closed = server_closed(sock)
    except socket.timeout:
        closed = False
    sock.close()
    print("closed" if closed else "still open")
    return 0 if closed else 1


def main(argv):
    if len(argv) == 5 and argv[1] == "hold":
        return hold(int(argv[2]), int(argv[3]), argv[4])
    if len(argv) == 5 and argv[1] == "idle":
        return idle(int(argv[2]), argv[3], float(argv[4]))
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
