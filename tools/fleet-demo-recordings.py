#!/usr/bin/env python3
"""Makes the recordings `vigil fleet demo` replays from runs of the scenario benchmark.

  bench/scenarios/run.sh webapp --learn 60 --normal 60 --seed N --rounds 0 --out DIR/web-N   (N = 1, 2, 3)
  bench/scenarios/run.sh webapp --learn 10 --normal 30 --seed 4 --rounds 0 --out DIR/web-4
  tools/fleet-demo-recordings.py DIR src/main/resources/dev/vigil/fleet/demo

Each run's events.jsonl (what the agent's workload detectors took in, `vigil agent
--record-events`) is kept to the scenario's own cgroups (the service's processes; the
benchmark's JVM, the shell and everything else on the recording host are dropped, with the
answers about their processes), its run-unique names (vigil-sc-PID-XXX) made one name so
the four runs are replicas of one workload, and gzipped. web-1..3 end before their attack's
first step (healthy replicas); web-4 is kept whole (start, normal traffic, attack), with
its attack's steps and when each was sent (web-4.steps.tsv, from the run's result.json).
Nothing else is changed: no event is added, moved or edited.
"""
import gzip
import json
import re
import sys
from pathlib import Path

RUN = re.compile(r"vigil-sc-\d+-[a-z0-9]+")
NAME = "vigil-sc-web"


def convert(run: Path, out: Path, cut: bool) -> None:
    lines = (run / "events.jsonl").read_text().splitlines()
    result = json.loads((run / "result.json").read_text())
    end = min(s["at"] for s in result["steps"]) if cut else None
    facts, rows = [], []
    for line in lines[1:]:
        o = json.loads(line)
        (facts if o.get("ev") == "fact" else rows).append((o, line))
    # the scenario's cgroups: those of processes whose cgroup the host answered as the scenario's
    # (less those of processes answered as elsewhere: a service starts in its parent's cgroup, then moves)
    def answered(match):
        return {str(o["arg"]) for o, _ in facts if o["q"] == "cgroupOf" and isinstance(o.get("a"), str) and match(o["a"])}

    def ids(pids):
        return {o["cgroup"] for o, _ in rows if "cgroup" in o and str(o.get("tgid", o.get("pid"))) in pids}

    ours = answered(lambda a: RUN.search(a))
    cgroups = ids(ours) - ids(answered(lambda a: not RUN.search(a)) - ours)
    kept, pids, slots = [], set(), set()
    for o, line in rows:
        if end is not None and o["t"] >= end:
            break
        ev = o["ev"]
        if ev in ("exec", "exit", "item", "slot"):
            if o.get("cgroup") not in cgroups:
                continue
            pids.update(str(o[k]) for k in ("pid", "tgid", "ppid") if k in o)
            if "slot" in o:
                slots.add(str(o["slot"]))
            kept.append(line)
        elif ev == "tick":
            o["activity"] = {s: v for s, v in o["activity"].items() if s in slots}
            o["repeats"] = {k: v for k, v in o["repeats"].items() if RUN.search(k)}
            kept.append(json.dumps(o, separators=(",", ":")))
        else:  # due
            kept.append(line)
    files = set()
    for line in kept:
        o = json.loads(line)
        files.update(o.get(k) for k in ("file", "parent_exe") if o.get(k))
    cg = {str(c) for c in cgroups}
    # (the answers about a service process from before it moved into the scenario's cgroup went with its dropped events)
    answers = [line for o, line in facts
               if (str(o.get("arg")) in pids | files | cg or RUN.search(json.dumps(o.get("a")) or ""))
               and not (o["q"] == "cgroupOf" and str(o["arg"]) in ours and not RUN.search(str(o.get("a"))))]
    header = lines[0]
    text = "\n".join([header] + kept + answers) + "\n"
    out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(out, "wt", compresslevel=9) as f:
        f.write(RUN.sub(NAME, text))
    if not cut:  # the attack's ground truth: when each step was sent
        steps = out.parent / out.name.replace(".events.jsonl.gz", ".steps.tsv")
        steps.write_text("".join(f"{st['at']}\t{st['step']}\n" for st in result["steps"]))
    print(f"{out}: {len(kept)} entries, {len(answers)} answers (from {len(rows)} and {len(facts)})")


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, dst = Path(sys.argv[1]), Path(sys.argv[2])
    for n in (1, 2, 3, 4):
        convert(src / f"web-{n}", dst / f"web-{n}.events.jsonl.gz", cut=n < 4)


if __name__ == "__main__":
    main()
