#!/usr/bin/env python3
"""A lossy, jittery point-to-point link between two network namespaces, for tests and benchmarks.

The kernels of our machines have no netem qdisc ("Specified qdisc kind is unknown"), so this does in
user space what `tc qdisc add dev X root netem delay D J loss L%` would do on both ends: two TUN
devices, one moved into each namespace, and every IP packet carried between them by this process,
each one dropped with probability L or else delivered after D ± J ms (uniform; a negative delay sends
at once; packets may overtake each other, as with netem). Seeded, so a run can be repeated.

    lossy-link.py NS_A NS_B DEV_A DEV_B ADDR_A ADDR_B DELAY_MS JITTER_MS LOSS_PERCENT SEED

Prints "ready" once both ends are up; runs until SIGTERM/SIGINT; the devices vanish with the process.
With LOSSY_LINK_STALLS=FILE it also writes there each time it sent packets more than STALL_MS late (this
process not running: the machine, not the link it stands for): "MONOTONIC_MS LATE_MS", on the clock of
time.monotonic() (CLOCK_MONOTONIC, as Node's process.hrtime), so a benchmark can tell its pauses apart.
With LOSSY_LINK_QUIET=FILE it writes there each time nothing came from NS_A's end for more than QUIET_MS
("MONOTONIC_MS QUIET_MS", when the silence ended): NS_A's side sending nothing (a host that streams sends
every few ms, unless it stalls or its TCP waits out a resend timeout), not the link's delay; a stall of this
process shows here too, and in the stall log.
SIGUSR1 makes the link a black hole (every packet either way is lost, while both ends stay up, as when Wi-Fi
stops carrying frames without the interface going down); SIGUSR2 ends it.
"""
import fcntl
import heapq
import os
import random
import select
import signal
import struct
import subprocess
import sys
import time

TUNSETIFF = 0x400454CA
STALL_MS = 15
QUIET_MS = 40
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


def open_tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def ip(*args):
    subprocess.run(["ip", *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def main():
    ns_a, ns_b, dev_a, dev_b, addr_a, addr_b = sys.argv[1:7]
    delay_ms, jitter_ms, loss_percent = (float(v) for v in sys.argv[7:10])
    rng = random.Random(int(sys.argv[10]))
    fds = {}
    for ns, dev, mine, peer in ((ns_a, dev_a, addr_a, addr_b), (ns_b, dev_b, addr_b, addr_a)):
        fds[dev] = open_tun(dev)
        ip("link", "set", dev, "netns", ns)
        ip("-n", ns, "addr", "add", mine, "peer", peer, "dev", dev)
        ip("-n", ns, "link", "set", dev, "up")
    other = {fds[dev_a]: fds[dev_b], fds[dev_b]: fds[dev_a]}
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    black_hole = []  # non-empty while every packet is lost
    signal.signal(signal.SIGUSR1, lambda *_: black_hole.append(1))
    signal.signal(signal.SIGUSR2, lambda *_: black_hole.clear())
    print("ready", flush=True)
    queue = []  # (due time, sequence, destination fd, packet)
    sequence = 0
    stalls_path = os.environ.get("LOSSY_LINK_STALLS")
    stalls = open(stalls_path, "a", buffering=1) if stalls_path else None
    logged_through = 0.0  # a stall seen as a late wake is not logged again as the late sends that follow it
    quiet_path = os.environ.get("LOSSY_LINK_QUIET")
    quiet = open(quiet_path, "a", buffering=1) if quiet_path else None
    last_from_a = None  # when a packet last came from NS_A's end
    while not stop:
        now = time.monotonic()
        if stalls and queue and (now - queue[0][0]) * 1000 > STALL_MS and queue[0][0] >= logged_through:
            stalls.write(f"{now * 1000:.1f} {(now - queue[0][0]) * 1000:.1f}\n")
            logged_through = now
        while queue and queue[0][0] <= now:
            _, _, destination, packet = heapq.heappop(queue)
            try:
                os.write(destination, packet)
            except OSError:
                pass  # that end is down (link cut by a test): the packet is lost, as on a real link
        timeout = max(0.0, queue[0][0] - now) if queue else 0.5
        try:
            readable, _, _ = select.select(list(other), [], [], timeout)
        except InterruptedError:
            continue
        woke = time.monotonic()
        if stalls and (woke - now - timeout) * 1000 > STALL_MS:
            stalls.write(f"{woke * 1000:.1f} {(woke - now - timeout) * 1000:.1f}\n")
            logged_through = woke
        if quiet and fds[dev_a] in readable:
            if last_from_a is not None and (woke - last_from_a) * 1000 > QUIET_MS:
                quiet.write(f"{woke * 1000:.1f} {(woke - last_from_a) * 1000:.1f}\n")
            last_from_a = woke
        for source in readable:
            while True:
                try:
                    packet = os.read(source, 65536)
                except (BlockingIOError, OSError):
                    break
                if rng.random() * 100 < loss_percent or black_hole:
                    continue
                wait = max(0.0, delay_ms + rng.uniform(-jitter_ms, jitter_ms)) / 1000
                sequence += 1
                heapq.heappush(queue, (time.monotonic() + wait, sequence, other[source], packet))


if __name__ == "__main__":
    main()
