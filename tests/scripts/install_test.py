#!/usr/bin/python3
"""Checks that drover works installed, away from its build folder.

prefix  `cmake --install BUILD --prefix TMP`: the layout is there, and
        TMP/bin/drover runs the shipped quickstart and python-udp scenarios
        (1 s each) from a scratch folder with no DROVER_* variables set, and
        passes; with one installed target removed, a run fails naming its
        path under TMP/libexec/drover/targets/, so the targets came from the
        installed layout and from nowhere else.
deb     `cpack -G DEB` into TMP (skipped, exit 77, without dpkg-deb): the
        package declares its maintainer and version, and depends on the
        Debian package of every library its executables link; it holds the
        installed layout under /usr; and unpacked with `dpkg-deb -x`, the
        same runs pass from there.

Usage: install_test.py prefix|deb --build BUILD_DIR --cmake CMAKE --cpack CPACK
                       --version X.Y.Z
Exits 1 on any failure.
"""
import argparse
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

from results import Results  # tests/scripts/results.py, beside this script

SKIPPED = 77  # ctest's SKIP_RETURN_CODE for these tests
INFRASTRUCTURE = 3  # drover's exit code when a target cannot start


def run(argv, **kwargs):
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=300,
                          **kwargs)


def output(result):
    return f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"


def clean_env():
    """This environment less DROVER_*, so drover finds its programs itself."""
    return {k: v for k, v in os.environ.items() if not k.startswith("DROVER_")}


def layout(root, target_names):
    """What an installation under root holds (root: the prefix)."""
    programs = root / "libexec/drover"
    data = root / "share/drover"
    yield root / "bin/drover"
    yield programs / "drover-agent"
    for name in target_names:
        yield programs / "targets" / name
    for name in ("quickstart.json", "python-udp.json", "schema.json", "README.md"):
        yield data / "scenarios" / name
    for name in ("udp_server.py", "tcp_server.py"):
        yield data / "targets/python" / name


def reference_targets(drover):
    """The targets drover ships, as `drover targets` lists them."""
    listed = run([drover, "targets"], env=clean_env())
    return [line.split()[0] for line in listed.stdout.splitlines() if line.strip()]


def check_layout(results, root, target_names):
    missing = [str(p) for p in layout(root, target_names) if not p.is_file()]
    results.check(not missing, f"the installed layout is complete under {root}",
                  "missing:\n" + "\n".join(missing))


def check_runs(results, root, scratch):
    """The installed drover passes the shipped scenarios, and its targets
    come from root/libexec/drover/targets."""
    drover = root / "bin/drover"
    scenarios = root / "share/drover/scenarios"
    for name in ("quickstart.json", "python-udp.json"):
        out = scratch / name.replace(".json", "")
        r = run([drover, "run", scenarios / name, "--set", "load.duration=1s", "--quiet",
                 "--out", out], cwd=scratch, env=clean_env())
        results.check(r.returncode == 0 and (out / "summary.json").is_file(),
                      f"installed drover passes {name} from {root}", output(r))

    udp_echo = root / "libexec/drover/targets/udp_echo"
    aside = scratch / "udp_echo.aside"
    shutil.move(udp_echo, aside)
    try:
        r = run([drover, "run", scenarios / "quickstart.json", "--set", "load.duration=1s",
                 "--quiet", "--out", scratch / "without-udp_echo"], cwd=scratch, env=clean_env())
    finally:
        shutil.move(aside, udp_echo)
    results.check(r.returncode == INFRASTRUCTURE and str(udp_echo) in r.stdout + r.stderr,
                  "without an installed target, the run fails naming its installed path",
                  output(r))


def check_prefix(args, results, tmp):
    prefix = tmp / "prefix"
    r = run([args.cmake, "--install", args.build, "--prefix", prefix])
    if not results.check(r.returncode == 0, f"cmake --install into {prefix}", output(r)):
        return
    check_layout(results, prefix, reference_targets(prefix / "bin/drover"))
    scratch = tmp / "scratch"
    scratch.mkdir()
    check_runs(results, prefix, scratch)


def owning_package(library):
    """The Debian package that holds a library file (merged /usr or not)."""
    path = pathlib.Path(library)
    candidates = {str(path), str(path.resolve())}
    for p in list(candidates):
        if p.startswith("/usr/"):
            candidates.add(p[len("/usr"):])
        else:
            candidates.add("/usr" + p)
    for p in candidates:
        r = run(["dpkg-query", "-S", p])
        if r.returncode == 0:
            return r.stdout.split(":")[0].strip()
    return None


def linked_packages(executables):
    """The packages of the libraries the executables link directly (their
    NEEDED entries), as dpkg-shlibdeps finds them."""
    packages = {}
    for exe in executables:
        needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]",
                            run(["readelf", "-d", exe]).stdout)
        paths = dict(re.findall(r"^\s*(\S+) => (\S+)", run(["ldd", exe]).stdout, re.M))
        for lib in needed:
            packages.setdefault(owning_package(paths.get(lib, lib)), []).append(
                f"{exe.name}: {lib}")
    return packages


def declared_packages(depends):
    """Package names of a Depends field: "a (>= 1), b | c" gives a, b, c."""
    return {alt.split()[0] for dep in depends.split(",") for alt in dep.split("|") if alt.strip()}


def check_control(results, deb, version, unpacked):
    fields = {}
    for field in ("Package", "Version", "Maintainer", "Depends", "Description"):
        fields[field] = run(["dpkg-deb", "-f", deb, field]).stdout.strip()
    info = run(["dpkg-deb", "-I", deb]).stdout
    results.check(fields["Package"] == "drover" and fields["Version"] == version,
                  f"the package is drover {version}", info)
    results.check(re.fullmatch(r".+ <[^@ ]+@[^> ]+>", fields["Maintainer"]) is not None,
                  "the package names its maintainer with an address", info)
    results.check(fields["Description"].startswith("load and correctness"),
                  "the package describes drover", info)

    executables = [p for p in unpacked.rglob("*")
                   if p.is_file() and p.read_bytes()[:4] == b"\x7fELF"]
    linked = linked_packages(executables)
    declared = declared_packages(fields["Depends"])
    missing = {pkg: libs for pkg, libs in linked.items() if pkg not in declared}
    results.check(len(executables) >= 3 and not missing,
                  f"Depends names the package of every library linked ({len(linked)})",
                  f"Depends: {fields['Depends']}\nnot declared: {missing}")


def check_deb(args, results, tmp):
    if shutil.which("dpkg-deb") is None:
        print("skipped: no dpkg-deb here")
        sys.exit(SKIPPED)
    r = run([args.cpack, "-G", "DEB", "-B", tmp / "package", "--config",
             pathlib.Path(args.build) / "CPackConfig.cmake"])
    debs = sorted((tmp / "package").glob("*.deb"))
    if not results.check(r.returncode == 0 and len(debs) == 1, "cpack -G DEB makes one .deb",
                         output(r)):
        return
    deb = debs[0]
    root = tmp / "root"
    r = run(["dpkg-deb", "-x", deb, root])
    if not results.check(r.returncode == 0, "dpkg-deb -x unpacks it", output(r)):
        return
    usr = root / "usr"
    listed = {line.split()[-1].lstrip(".") for line in
              run(["dpkg-deb", "-c", deb]).stdout.splitlines()}
    target_names = reference_targets(usr / "bin/drover")
    expected = {"/" + str(p.relative_to(root)) for p in layout(usr, target_names)}
    results.check(len(target_names) >= 5 and expected <= listed,
                  "dpkg-deb -c lists the layout under /usr",
                  "not listed:\n" + "\n".join(sorted(expected - listed)))
    check_control(results, deb, args.version, root)
    scratch = tmp / "scratch"
    scratch.mkdir()
    check_runs(results, usr, scratch)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["prefix", "deb"])
    parser.add_argument("--build", required=True, help="drover's build folder")
    parser.add_argument("--cmake", default="cmake")
    parser.add_argument("--cpack", default="cpack")
    parser.add_argument("--version", required=True, help="the project's version")
    args = parser.parse_args()
    results = Results()
    with tempfile.TemporaryDirectory(prefix="drover-install-") as tmp:
        tmp = pathlib.Path(tmp)
        if args.mode == "prefix":
            check_prefix(args, results, tmp)
        else:
            check_deb(args, results, tmp)
    print(f"{results.passed} passed, {results.failed} failed")
    sys.exit(1 if results.failed or not results.passed else 0)


if __name__ == "__main__":
    main()
