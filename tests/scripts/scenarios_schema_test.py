#!/usr/bin/python3
"""Checks that scenarios/schema.json and `drover validate` agree on what a
scenario is.

- every scenarios/*.json (but schema.json) is in scenarios/README.md's
  table of shipped scenarios, and passes the schema and
  `drover validate`, and so does every tests/data/scenarios/every_key/*.json,
  which together use every key of the format (tests/unit/scenario_format_test
  checks that they do);
- a few mutations of scenarios/quickstart.json fail both, and a few
  variants of it with the correctness targets pass both;
- every tests/data/scenarios/bad/X.json makes `drover validate` exit 2 and
  print each line of X.expected on stderr as "error: LINE".

Usage: scenarios_schema_test.py --drover PATH --source REPO_ROOT
Needs python3-jsonschema (Debian: /usr/bin/python3). Exits 1 on any failure.
"""
import argparse
import copy
import json
import pathlib
import subprocess
import sys
import tempfile

import jsonschema

from results import Results  # tests/scripts/results.py, beside this script

BAD_INPUT = 2  # drover's exit code for bad input


def drover_validate(drover, path, cwd=None):
    return subprocess.run([drover, "validate", str(path)], cwd=cwd, capture_output=True,
                          text=True, timeout=60)


def schema_errors(validator, document):
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
            for e in validator.iter_errors(document)]


# Mutations of quickstart.json that both the schema and drover must refuse.
def mutations(base):
    def mutated(change):
        doc = copy.deepcopy(base)
        change(doc)
        return doc

    yield "unknown top-level key", mutated(lambda d: d.update(colour="blue"))
    yield "misspelt fleet key", mutated(lambda d: d["fleets"][0].update(
        clinets=d["fleets"][0].pop("clients")))
    yield "malformed duration", mutated(lambda d: d["load"].update(duration="10x"))
    yield "zero clients", mutated(lambda d: d["fleets"][0].update(clients=0))
    yield "unknown threshold metric", mutated(
        lambda d: d["thresholds"].update({"latency.p95": "< 1ms"}))
    yield "threshold without comparison", mutated(
        lambda d: d["thresholds"].update({"latency.p99": "50ms"}))
    yield "kind and command together", mutated(
        lambda d: d["targets"]["udp"].update(command=["./udp_echo"]))
    yield "arg out of range", mutated(lambda d: d["targets"]["udp"]["args"].update(threads=0))
    yield "unknown placeholder", mutated(lambda d: d["fleets"][0]["op"].update(send="{sq}"))
    yield "bad name", mutated(lambda d: d.update(name="my run"))
    yield "another workload's keys", mutated(
        lambda d: d["fleets"][0]["op"].update(workload="buy"))
    yield "inflight out of range", mutated(
        lambda d: d["fleets"][0].update(op={"workload": "submit", "inflight": 0}))
    yield "unknown invariant", mutated(
        lambda d: d.update(checks=[{"invariant": "no_leaks", "target": "tcp"}]))
    yield "another invariant's parameter", mutated(
        lambda d: d.update(checks=[{"invariant": "no_zombies", "target": "tcp", "stock": 5}]))
    yield "unknown load model", mutated(lambda d: d.update(load={"model": "opn"}))
    yield "open load without a rate", mutated(lambda d: d.update(load={"model": "open"}))
    yield "the closed model's key on an open load", mutated(
        lambda d: d.update(load={"model": "open", "rate": 100, "think_time": "1ms"}))
    yield "a stage without a rate", mutated(
        lambda d: d.update(load={"model": "stages", "stages": [{"duration": "1s"}]}))
    yield "no stages", mutated(lambda d: d.update(load={"model": "stages", "stages": []}))
    yield "closed stages with a duration", mutated(lambda d: d.update(load={
        "duration": "5s", "stages": [{"duration": "1s", "clients": 1}]}))
    yield "a closed stage with a rate", mutated(lambda d: d.update(load={
        "stages": [{"duration": "1s", "rate": 1}]}))
    yield "delay_abort_eval without abort_on_fail", mutated(lambda d: d.update(thresholds={
        "latency.p99": {"threshold": "< 5ms", "delay_abort_eval": "1s"}}))
    yield "an abort threshold without its condition", mutated(lambda d: d.update(thresholds={
        "latency.p99": {"abort_on_fail": True}}))


# Variants of quickstart.json with the correctness targets and the load
# models, which both the schema and drover must accept, so the schema is not
# stricter than drover.
def variants(base):
    def variant(targets, fleets, checks=None, load=None):
        doc = copy.deepcopy(base)
        doc["targets"].update(targets)
        doc["fleets"].extend(fleets)
        if checks is not None:
            doc["checks"] = checks
        if load is not None:
            doc["load"] = load
        return doc

    yield "open load", variant({}, [], load={
        "model": "open", "rate": 2500.5, "duration": "30s", "max_inflight": 64})
    yield "stages load", variant({}, [], load={
        "model": "stages", "start_rate": 0, "max_inflight": 100,
        "stages": [{"duration": "10s", "rate": 1000}, {"duration": "1m", "rate": 1000},
                   {"duration": "5s", "rate": 0}]})

    yield "closed stages over clients", variant({}, [], load={
        "think_time": "10ms", "start_clients": 1,
        "stages": [{"duration": "2s", "clients": 2}, {"duration": "1s", "clients": 0}]})
    abort = variant({}, [])
    abort["thresholds"] = {"latency.p99": {"threshold": "< 50ms", "abort_on_fail": True,
                                           "delay_abort_eval": "2s"},
                           "errors.rate": {"threshold": "< 0.01"}}
    yield "thresholds that abort the run", abort

    yield "tickets: buyers with and without SEARCH", variant(
        {"box-office": {"kind": "ticket_db", "args": {"stock": 50, "lock": "file"}}},
        [{"name": "buyers", "target": "box-office", "clients": 8, "op": {}},
         {"name": "blind-buyers", "target": "box-office", "clients": 8,
          "op": {"workload": "buy", "search": False, "timeout": "2s"}}],
        [{"invariant": "no_oversell", "target": "box-office", "stock": 50}])
    yield "queue: producers and consumers", variant(
        {"jobs": {"kind": "queue_broker", "args": {"maxsize": 4, "bug": "none"}}},
        [{"name": "producers", "target": "jobs", "clients": 4, "op": {"workload": "produce"}},
         {"name": "consumers", "target": "jobs", "clients": 4, "op": {"workload": "consume"}}])
    yield "pool: a command target checked with its workers", variant(
        {"squares": {"command": ["./my-pool", "{port}"], "protocol": "pool",
                     "ready": {"tcp": "127.0.0.1:{port}"}}},
        [{"name": "submitters", "target": "squares", "clients": 2,
          "op": {"workload": "submit", "n_max": 100, "work": "0ms", "inflight": 4}}],
        [{"invariant": "pool_complete", "target": "squares", "workers": 2},
         {"invariant": "no_zombies", "target": "squares"}])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drover", required=True, help="path of the drover executable")
    parser.add_argument("--source", required=True, help="repository root")
    args = parser.parse_args()
    # Absolute, as the bad scenarios are validated from their own folder.
    source = pathlib.Path(args.source).resolve()
    args.drover = str(pathlib.Path(args.drover).resolve())
    results = Results()

    schema = json.loads((source / "scenarios/schema.json").read_text())
    try:
        jsonschema.Draft7Validator.check_schema(schema)
        results.check(True, "scenarios/schema.json is a valid draft-07 schema")
    except jsonschema.SchemaError as e:
        results.check(False, "scenarios/schema.json is a valid draft-07 schema", str(e))
        print(f"{results.passed} passed, {results.failed} failed")
        return 1
    results.check(schema.get("$id") and schema.get("title"), "schema has $id and title")
    validator = jsonschema.Draft7Validator(schema)

    shipped = sorted(p for p in (source / "scenarios").glob("*.json") if p.name != "schema.json")
    results.check(len(shipped) >= 3, "scenarios/ holds the shipped scenarios",
                  f"found {[p.name for p in shipped]}")
    readme = (source / "scenarios/README.md").read_text()
    for path in shipped:
        name = f"scenarios/{path.name}"
        results.check(f"`{path.name}`" in readme, f"scenarios/README.md describes {path.name}",
                      "add a row for it to the table of shipped scenarios")
        errors = schema_errors(validator, json.loads(path.read_text()))
        results.check(not errors, f"{name} matches the schema", "\n".join(errors))
        run = drover_validate(args.drover, path)
        results.check(run.returncode == 0, f"drover validate {name} exits 0",
                      f"exit {run.returncode}\n{run.stderr}")

    every_key = sorted((source / "tests/data/scenarios/every_key").glob("*.json"))
    results.check(len(every_key) >= 5, "tests/data/scenarios/every_key holds its scenarios",
                  f"found {[p.name for p in every_key]}")
    for path in every_key:
        name = f"every_key/{path.name}"
        errors = schema_errors(validator, json.loads(path.read_text()))
        results.check(not errors, f"{name} matches the schema", "\n".join(errors))
        run = drover_validate(args.drover, path)
        results.check(run.returncode == 0, f"drover validate {name} exits 0",
                      f"exit {run.returncode}\n{run.stderr}")

    quickstart = json.loads((source / "scenarios/quickstart.json").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        for label, doc in variants(quickstart):
            errors = schema_errors(validator, doc)
            results.check(not errors, f"schema accepts: {label}", "\n".join(errors))
            path = pathlib.Path(tmp) / "variant.json"
            path.write_text(json.dumps(doc))
            run = drover_validate(args.drover, path)
            results.check(run.returncode == 0, f"drover validate accepts: {label}",
                          f"exit {run.returncode}\n{run.stderr}")
        for label, doc in mutations(quickstart):
            results.check(bool(schema_errors(validator, doc)), f"schema refuses: {label}")
            path = pathlib.Path(tmp) / "mutated.json"
            path.write_text(json.dumps(doc))
            run = drover_validate(args.drover, path)
            results.check(run.returncode == BAD_INPUT and "error: " in run.stderr,
                          f"drover validate refuses: {label}",
                          f"exit {run.returncode}\n{run.stderr}")

    bad_dir = source / "tests/data/scenarios/bad"
    bad = sorted(bad_dir.glob("*.json"))
    results.check(len(bad) >= 5, "tests/data/scenarios/bad holds the bad scenarios")
    for path in bad:
        name = f"bad/{path.name}"
        expected_file = path.with_suffix(".expected")
        if not expected_file.exists():
            results.check(False, f"{name} has {expected_file.name}")
            continue
        expected = [line for line in expected_file.read_text().splitlines() if line]
        # Run from the folder with the bare name, so an error naming the file
        # reads the same as in the .expected file.
        run = drover_validate(args.drover, path.name, cwd=bad_dir)
        printed = run.stderr.splitlines()
        missing = [line for line in expected if f"error: {line}" not in printed]
        results.check(run.returncode == BAD_INPUT and expected and not missing,
                      f"drover validate {name} exits 2 with the expected errors",
                      f"exit {run.returncode}\nmissing:\n" + "\n".join(missing) +
                      f"\nstderr:\n{run.stderr}")

    print(f"{results.passed} passed, {results.failed} failed")
    return 0 if results.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
