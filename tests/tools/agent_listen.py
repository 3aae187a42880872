#!/usr/bin/env python3
"""stagegate-agent listen --serial over a pseudo-terminal pair.

The harness plays the serial scan engine: it opens a pty pair, starts
`stagegate-agent listen --serial <slave>` (natively, or under an emulator
such as qemu-aarch64) and writes symbol texts, each followed by a
terminator, to the master side, in pieces of random size. It reads the
agent's JSON events and checks:

  * every scenario of test-vectors/profiles/manifest.json: each step's
    symbols (a .chunks file line by line, any other vector whole) sent over
    the pty; the last decision must be the step's `expect`, and `status`
    must report the step's `state`. The scenarios rotate through the four
    terminators (any with CR LF, cr, lf, crlf). A step with its own clock
    restarts the agent with that clock (the state directory stays), which
    also ends each run with SIGTERM;
  * progress for each chunk ("2 of 3 scanned, missing: 3" in text mode);
  * an over-long symbol is refused and the next one still read; a symbol
    without terminator ends after --timeout; the partial scan lives in
    memory only;
  * SIGINT and SIGTERM end the agent cleanly (exit 0, a `stopped` event,
    the tty restored), also when sent while a TurnOn is being fed: the
    trust slot is then either untouched or holds the new state, never
    LOCKED; a hang-up (master closed) ends it too;
  * a device that is not a tty, or missing, is an I/O error (exit 2).

usage: agent_listen.py AGENT VECTORS-DIR [EMULATOR...]
"""
import hashlib
import json
import os
import random
import select
import signal
import subprocess
import sys
import tempfile
import termios
import time
import tty

AGENT = os.path.abspath(sys.argv[1])
VECTORS = os.path.abspath(sys.argv[2])
EMU = sys.argv[3:]
TIMEOUT = 120 if EMU or os.environ.get("ASAN_OPTIONS") is not None else 60
TERMS = [("any", b"\r\n"), ("cr", b"\r"), ("lf", b"\n"), ("crlf", b"\r\n")]
rng = random.Random(14)
passed = failed = 0
tmp = tempfile.mkdtemp(prefix="sg-listen.")
os.environ["ASAN_OPTIONS"] = os.environ.get("ASAN_OPTIONS", "") + ":log_path=" + tmp + "/sanitizer"
os.environ["UBSAN_OPTIONS"] = os.environ.get("UBSAN_OPTIONS", "") + ":log_path=" + tmp + "/sanitizer"


def ok(name):
    global passed
    passed += 1
    print("  ok   " + name, flush=True)


def bad(name):
    global failed
    failed += 1
    print("  FAIL " + name, flush=True)


def check(cond, name, detail=""):
    if cond:
        ok(name)
    else:
        bad(name + (": " + detail if detail else ""))
    return cond


with open(os.path.join(VECTORS, "manifest.json")) as f:
    MANIFEST = json.load(f)
DEF = MANIFEST["defaults"]


# The recovery certificate the current scenario's device compiles in (the
# manifest's "recovery"), or None.
RECOVERY = None


def base_args(state, clock):
    rec = ["--recovery-cert", os.path.join(VECTORS, RECOVERY)] if RECOVERY else []
    return EMU + [AGENT, "--state", state, "--clock", str(clock), "--build-time",
                  str(DEF["build_time"]), "--model", DEF["model"], "--serial", DEF["serial"],
                  "--test-handlers"] + rec


# More than any one barcode holds (QR: 2953 bytes): such a vector is sent as
# the SG1 chunks `stagegate-sign split` would print it as, 1000 bytes each.
ONE_SYMBOL_MAX = 3000


def symbols_of(feed):
    with open(os.path.join(VECTORS, feed), "rb") as f:
        data = f.read()
    if feed.endswith(".chunks"):
        return [l for l in data.split(b"\n") if l]
    data = data.rstrip(b"\r\n")
    if len(data) <= ONE_SYMBOL_MAX:
        return [data]
    parts = [data[i:i + 1000] for i in range(0, len(data), 1000)]
    set_id = hashlib.sha256(data).hexdigest()[:12].encode()
    return [b"SG1:%d/%d:%s:%s" % (i + 1, len(parts), set_id, p) for i, p in enumerate(parts)]


class Listener:
    """One `listen` process on a fresh pty pair."""

    def __init__(self, state, clock, term="any", json_mode=True, extra=(), raw=True):
        self.master, slave = os.openpty()
        if raw:
            tty.setraw(slave)  # no echo even before the agent sets raw mode itself
        self.attrs_before = termios.tcgetattr(slave)
        self.slave_name = os.ttyname(slave)
        args = base_args(state, clock) + (["--json"] if json_mode else [])
        args += ["listen", "--serial", self.slave_name, "--terminator", term] + list(extra)
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.buf = b""
        self.json = json_mode
        first = self.line()
        os.close(slave)
        self.started = first is not None and (b"listening" in first)
        if not self.started:
            bad("listen did not start: %r %r" % (first, self.proc.stderr.read(400) if self.proc.poll() is not None else b""))

    def line(self, timeout=TIMEOUT):
        end = time.time() + timeout
        while b"\n" not in self.buf:
            left = end - time.time()
            if left <= 0:
                return None
            r, _, _ = select.select([self.proc.stdout], [], [], left)
            if not r:
                return None
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            if not chunk:
                if not self.buf:
                    return None
                self.buf += b"\n"
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line

    def event(self, timeout=TIMEOUT):
        """The next JSON event; the handlers' own lines ("  Wifi: ...") are skipped."""
        while True:
            l = self.line(timeout)
            if l is None:
                return None
            if not l.startswith(b"{"):
                continue
            try:
                return json.loads(l)
            except ValueError:
                return {"event": "unparsable", "text": l.decode("utf-8", "replace")}

    def send(self, data):
        # In random pieces: framing must not depend on how reads fall.
        i = 0
        while i < len(data):
            n = rng.randint(1, 700)
            os.write(self.master, data[i:i + n])
            i += n

    def stop(self, sig=signal.SIGTERM):
        """Signal the agent, return (exit status, remaining events)."""
        self.proc.send_signal(sig)
        events = []
        while True:
            e = self.event() if self.json else self.line()
            if e is None:
                break
            events.append(e)
        try:
            rc = self.proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = "hung"
        self.attrs_after = termios.tcgetattr(self.master)
        os.close(self.master)
        return rc, events


def status(state, clock):
    p = subprocess.run(base_args(state, clock) + ["--json", "status"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=TIMEOUT)
    try:
        return json.loads(p.stdout.decode()).get("state", "?")
    except ValueError:
        return "?"


def replay_scenarios():
    global RECOVERY
    print("== manifest scenarios over a pty")
    for k, sc in enumerate(MANIFEST["scenarios"]):
        RECOVERY = sc.get("recovery")
        term, term_bytes = TERMS[k % len(TERMS)]
        state = os.path.join(tmp, "state-%d" % k)
        os.mkdir(state)
        lst, clock, good = None, None, True
        for n, st in enumerate(sc["steps"], 1):
            want_clock = st.get("clock", DEF["clock"])
            if lst is None or want_clock != clock:
                if lst is not None:
                    rc, _ = lst.stop()
                    good &= check(rc == 0, "%s: restart for step %d's clock: clean exit" % (sc["name"], n), str(rc))
                clock = want_clock
                lst = Listener(state, clock, term)
                if not lst.started:
                    good = False
                    break
            events, last = [], None
            for sym in symbols_of(st["feed"]):
                lst.send(sym + term_bytes)
                e = lst.event()
                if e is None:
                    break
                events.append(e)
                if e.get("event") == "decision":
                    last = e.get("result")
            if last != st["expect"]:
                good = False
                bad("%s / step %d (%s, terminator %s): got %s, want %s (%s)" % (
                    sc["name"], n, st["feed"], term, last, st["expect"], events[-3:]))
            if "state" in st:
                s = status(state, clock)
                if s != st["state"]:
                    good = False
                    bad("%s / step %d: state %s, want %s" % (sc["name"], n, s, st["state"]))
        if lst is not None:
            rc, ev = lst.stop()
            good &= check(rc == 0 and bool(ev) and ev[-1].get("event") == "stopped", "%s: SIGTERM ends the run" % sc["name"], "%s %s" % (rc, ev))
        if good:
            ok("%s (%d steps, terminator %s)" % (sc["name"], len(sc["steps"]), term))
    RECOVERY = None


def text_progress_and_limits():
    print("== progress, limits, timeout")
    state = os.path.join(tmp, "progress")
    os.mkdir(state)
    chunks = symbols_of("turnon-admin.chunks")
    lst = Listener(state, DEF["clock"], "lf", json_mode=False)
    lst.send(chunks[1] + b"\n")
    l1 = lst.line()
    lst.send(chunks[0] + b"\n")
    l2 = lst.line()
    check(l1 is not None and l1.endswith(b"1 of 3 scanned, missing: 1, 3"), "progress names the missing chunks", repr(l1))
    check(l2 is not None and l2.endswith(b"2 of 3 scanned, missing: 3"), "2 of 3 scanned, missing: 3", repr(l2))
    rc, rest = lst.stop(signal.SIGINT)
    check(rc == 0, "SIGINT: exit 0", str(rc))
    check(b"stopped (SIGINT): the partial scan (2 of 3) is dropped" in rest,
          "SIGINT: reported, the partial scan dropped", repr(rest))

    # The partial scan was in memory only: a new listener starts from nothing.
    lst = Listener(state, DEF["clock"], "crlf")
    lst.send(chunks[2] + b"\r\n")
    e = lst.event()
    check(e is not None and e.get("have") == 1 and e.get("missing") == [1, 2], "listen keeps partial scans in memory only", str(e))
    # Over-long: SG_MAX_PROFILE bytes is the buffer; one more is refused.
    lst.send(b"x" * 8193 + b"\r\n")
    e = lst.event()
    check(e is not None and e.get("result") == "SG_ERR_SYMBOL_TOO_LARGE", "an over-long symbol: SG_ERR_SYMBOL_TOO_LARGE", str(e))
    lst.send(chunks[0] + b"\r\n" + chunks[1] + b"\r\n")
    lst.event()
    e = lst.event()
    check(e is not None and e.get("result") == "SG_ACCEPTED", "the next symbols are read: accepted", str(e))
    rc, ev = lst.stop()
    check(rc == 0 and ev and ev[-1] == {"event": "stopped", "reason": "SIGTERM", "dropped": 0}, "SIGTERM: exit 0, stopped", "%s %s" % (rc, ev))
    # A port in cooked mode: raw while the agent listens, as it was after.
    lst = Listener(state, DEF["clock"], "lf", raw=False)
    during = termios.tcgetattr(lst.master)
    check(lst.attrs_before[3] & termios.ECHO and lst.attrs_before[3] & termios.ICANON and
          not during[3] & (termios.ECHO | termios.ICANON), "the agent puts the port in raw mode", str(during))
    lst.send(chunks[0] + b"\n")
    e = lst.event()
    check(e is not None and e.get("have") == 1, "a cooked port works once the agent made it raw", str(e))
    rc, _ = lst.stop()
    check(rc == 0 and lst.attrs_after == lst.attrs_before, "the port's settings are restored on exit")

    # A scan engine without suffix: --timeout ends the symbol.
    state2 = os.path.join(tmp, "timeout")
    os.mkdir(state2)
    lst = Listener(state2, DEF["clock"], "any", extra=["--timeout", "300"])
    lst.send(symbols_of("wifi.json")[0])
    e = lst.event()
    check(e is not None and e.get("result") == "SG_ACCEPTED", "--timeout 300: a symbol without terminator is read", str(e))
    rc, _ = lst.stop()
    check(rc == 0, "clean exit after --timeout run", str(rc))

    # Hang-up: the scan engine's end goes away.
    lst = Listener(state2, DEF["clock"], "any")
    os.close(lst.master)
    e = lst.event()
    rc = lst.proc.wait(timeout=TIMEOUT)
    check(rc == 0 and e is not None and e.get("reason") == "end of input", "hang-up ends the agent cleanly", "%s %s" % (rc, e))


def signal_mid_feed():
    print("== signals while a profile is being fed")
    outcomes = set()
    for i in range(6):
        state = os.path.join(tmp, "sig-%d" % i)
        os.mkdir(state)
        lst = Listener(state, DEF["clock"], "lf")
        chunks = symbols_of("turnon-admin.chunks")
        lst.send(chunks[0] + b"\n" + chunks[1] + b"\n")
        lst.event()
        lst.event()
        lst.send(chunks[2] + b"\n")
        time.sleep(i * 0.01)
        rc, ev = lst.stop(signal.SIGTERM if i % 2 else signal.SIGINT)
        decided = [e for e in ev if e.get("event") == "decision"]
        s = status(state, DEF["clock"])
        good = rc == 0 and ev and ev[-1].get("event") == "stopped"
        if decided:
            good = good and decided[0].get("result") == "SG_ACCEPTED" and s == "TRUSTED"
            outcomes.add("fed, then stopped")
        else:
            good = good and s == "UNTRUSTED"
            outcomes.add("stopped before the feed")
        if not check(good, "signal %d ms after the last chunk: clean exit, slot %s" % (i * 10, s), "%s %s" % (rc, ev)):
            pass
    print("  (outcomes seen: %s)" % ", ".join(sorted(outcomes)))


def bad_devices():
    print("== devices that are not a serial port")
    state = os.path.join(tmp, "dev")
    os.mkdir(state)
    for dev, name in (("/dev/null", "not a tty"), (os.path.join(tmp, "no-such-tty"), "missing")):
        p = subprocess.run(base_args(state, DEF["clock"]) + ["listen", "--serial", dev], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=TIMEOUT)
        check(p.returncode == 2 and b"cannot use" in p.stderr, "%s: I/O error (exit 2)" % name, "%d %r" % (p.returncode, p.stderr[:200]))
    p = subprocess.run(base_args(state, DEF["clock"]) + ["listen", "--serial", "/dev/null", "--terminator", "nul"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
    check(p.returncode == 1, "unknown terminator: usage (exit 1)", str(p.returncode))
    p = subprocess.run(base_args(state, DEF["clock"]) + ["listen"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
    check(p.returncode == 1, "no --serial: usage (exit 1)", str(p.returncode))


replay_scenarios()
text_progress_and_limits()
signal_mid_feed()
bad_devices()
reports = [f for f in os.listdir(tmp) if f.startswith("sanitizer")]
if reports:
    bad("sanitizer reports")
    for f in reports:
        print(open(os.path.join(tmp, f)).read()[:4000])
subprocess.run(["rm", "-rf", tmp])
print("%d passed, %d failed" % (passed, failed))
sys.exit(0 if failed == 0 and passed > 0 else 1)
