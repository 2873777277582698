#!/usr/bin/python3
"""Renders a real run's report.html in a real browser (Debian's Chromium,
headless) and checks what a person would see.

- `drover run scenarios/quickstart.json --out TMP/run` writes report.html;
- `chromium --dump-dom` of it holds the verdict and the four charts
  (throughput, latency-over-time, latency-distribution, errors-over-time),
  each an <svg> with a drawn line;
- a screenshot (1200x2000) is a non-trivial PNG; it is copied to
  --artifacts DIR/report.png for CI to keep;
- the browser logged no console message and no uncaught error (best effort:
  Chromium writes page console messages to stderr as "CONSOLE(...)" lines
  with --enable-logging=stderr; the report has no script, so any such line,
  a blocked fetch included, is a failure);
- `drover report RUN_DIR` writes report.html again from summary.json, and
  exits 2 naming a folder without one.

Usage: report_in_browser_test.py --drover PATH --source REPO_ROOT --artifacts DIR
Needs chromium (ci/install-deps). Exits 1 on any failure.
"""
import argparse
import html.parser
import pathlib
import shutil
import struct
import subprocess
import sys
import tempfile

from results import Results  # tests/scripts/results.py, beside this script

CHARTS = ["throughput", "latency-over-time", "latency-distribution", "errors-over-time"]
RUN_TIMEOUT_S = 120
BROWSER_TIMEOUT_S = 60


class ReportDom(html.parser.HTMLParser):
    """The verdict's text, and per chart id the count of drawn lines."""

    def __init__(self):
        super().__init__()
        self.verdict = ""
        self.in_verdict = False
        self.chart = None
        self.lines = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id") == "verdict":
            self.in_verdict = True
        if tag == "svg" and "chart" in (attrs.get("class") or "").split():
            self.chart = attrs.get("id")
            self.lines.setdefault(self.chart, 0)
        if self.chart and tag in ("polyline", "path") and attrs.get("points", attrs.get("d")):
            self.lines[self.chart] += 1

    def handle_endtag(self, tag):
        if tag == "svg":
            self.chart = None
        if tag == "span":
            self.in_verdict = False

    def handle_data(self, data):
        if self.in_verdict:
            self.verdict += data.strip()


def browser(chromium, profile, *args):
    command = [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
               f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=BROWSER_TIMEOUT_S)


def png_size(path):
    data = path.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", data[16:24])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--drover", required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--artifacts", required=True)
    args = parser.parse_args()
    results = Results()

    chromium = shutil.which("chromium")
    if not chromium:
        print("FAIL  chromium not found: install chromium (ci/install-deps)")
        return 1

    with tempfile.TemporaryDirectory(prefix="drover-report-") as tmp:
        tmp = pathlib.Path(tmp)
        run_dir = tmp / "run"
        scenario = pathlib.Path(args.source) / "scenarios" / "quickstart.json"
        run = subprocess.run([args.drover, "run", str(scenario), "--out", str(run_dir), "--quiet"],
                             capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
        report = run_dir / "report.html"
        if not results.check(run.returncode == 0 and report.is_file(),
                             "drover run quickstart writes report.html",
                             f"exit {run.returncode}\n{run.stdout}\n{run.stderr}"):
            return 1
        url = report.as_uri()

        dom = browser(chromium, tmp / "profile", "--enable-logging=stderr", "--v=0",
                      "--dump-dom", url)
        results.check(dom.returncode == 0 and "</html>" in dom.stdout, "chromium renders it",
                      f"exit {dom.returncode}\n{dom.stderr}")
        page = ReportDom()
        page.feed(dom.stdout)
        results.check(page.verdict == "PASS", "the verdict is shown", f"verdict {page.verdict!r}")
        for chart in CHARTS:
            results.check(page.lines.get(chart, 0) > 0, f"chart {chart} has a line",
                          f"charts found: {page.lines}")
        console = [line for line in dom.stderr.splitlines()
                   if "CONSOLE" in line or "Uncaught" in line]
        results.check(not console, "no console messages or uncaught errors", "\n".join(console))

        png = tmp / "report.png"
        shot = browser(chromium, tmp / "profile", "--screenshot=" + str(png),
                       "--window-size=1200,2000", "--hide-scrollbars", url)
        size = png_size(png) if png.is_file() else None
        results.check(size == (1200, 2000) and png.stat().st_size > 20_000,
                      "screenshot is a 1200x2000 PNG of some substance",
                      f"exit {shot.returncode}, size {size}\n{shot.stderr}")
        if png.is_file():
            artifacts = pathlib.Path(args.artifacts)
            artifacts.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(png, artifacts / "report.png")
            print(f"      screenshot: {artifacts / 'report.png'}")

        report.unlink()
        again = subprocess.run([args.drover, "report", str(run_dir)], capture_output=True,
                               text=True, timeout=RUN_TIMEOUT_S)
        text = report.read_text() if report.is_file() else ""
        results.check(again.returncode == 0 and all(f'id="{c}"' in text for c in CHARTS),
                      "drover report RUN_DIR writes report.html again",
                      f"exit {again.returncode}\n{again.stderr}")
        missing = tmp / "not-a-run"
        missing.mkdir()
        bad = subprocess.run([args.drover, "report", str(missing)], capture_output=True,
                             text=True, timeout=RUN_TIMEOUT_S)
        results.check(bad.returncode == 2 and str(missing) in bad.stderr,
                      "drover report of a folder without summary.json exits 2 naming it",
                      f"exit {bad.returncode}\n{bad.stderr}")

    print(f"{results.passed} passed, {results.failed} failed")
    return 1 if results.failed else 0


if __name__ == "__main__":
    sys.exit(main())
