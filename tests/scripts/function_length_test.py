#!/usr/bin/env python3
"""No function in harness/ or reports/ is longer than --max lines.

A long function is a sign that its state wants to be an object and its
steps methods. Functions that are data tables (a list of entries, one per
line) are exempt by name below. Lines are counted from the line of the
opening brace to the line of the closing one; comments and blank lines
count, since they are read too.
"""
import argparse
import os
import re
import sys

# Functions whose body is a table of data, one entry per line or so.
EXEMPT = {
    "harness/scenario/reference_targets.cpp": {"reference_targets"},
}

HEADER_END = re.compile(r"\)\s*(const\s*)?(noexcept\s*)?(override\s*)?(final\s*)?(->\s*[^{;]+)?\s*$")
NAME = re.compile(r"([~A-Za-z_][\w:~<>]*)\s*\($")


def strip(text):
    """Comments, strings and character literals blanked, line breaks kept."""
    def blank(m):
        return "".join("\n" if c == "\n" else " " for c in m.group(0))
    pattern = re.compile(
        r'//[^\n]*|/\*.*?\*/|R"(?P<d>[^(\s]*)\(.*?\)(?P=d)"|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'',
        re.S)
    return pattern.sub(blank, text)


def function_name(header):
    """The name before the parameter list of a header, or None."""
    depth = 0
    for i in range(len(header) - 1, -1, -1):
        c = header[i]
        if c == ")":
            depth += 1
        elif c == "(":
            depth -= 1
            if depth == 0:
                m = NAME.search(header[: i + 1])
                return m.group(1) if m else None
    return None


def functions(path):
    """(name, first line, line count) of each function defined in path."""
    text = strip(open(path, encoding="utf-8", errors="replace").read())
    found = []
    scopes = []  # per open brace: "function", "scope" (namespace, class) or "block"
    header = ""
    line = 1
    starts = []
    for c in text:
        if c == "\n":
            line += 1
        if c == "{":
            inside_function = any(s == "function" for s in scopes)
            compact = " ".join(header.split())
            kind = "block"
            if not inside_function:
                if HEADER_END.search(compact) and not re.match(
                        r"^(if|for|while|switch|catch)\b", compact.split("(")[0].split()[-1] if compact.split("(")[0].split() else ""):
                    kind = "function"
                else:
                    kind = "scope"
            scopes.append(kind)
            starts.append((line, function_name(compact) if kind == "function" else None))
            header = ""
        elif c == "}":
            if scopes:
                kind = scopes.pop()
                start, name = starts.pop()
                if kind == "function":
                    found.append((name or "?", start, line - start + 1))
            header = ""
        elif c == ";":
            header = ""
        else:
            header += c
            # A member initializer list or a long signature spans lines; keep
            # only the tail that matters for the name.
            if len(header) > 2000:
                header = header[-2000:]
    return found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", required=True)
    parser.add_argument("--max", type=int, default=80)
    args = parser.parse_args()
    too_long = []
    for folder in ("harness", "reports"):
        for root, _, files in os.walk(os.path.join(args.source, folder)):
            for f in sorted(files):
                if not f.endswith((".cpp", ".hpp")):
                    continue
                path = os.path.join(root, f)
                rel = os.path.relpath(path, args.source)
                for name, start, count in functions(path):
                    if count > args.max and name not in EXEMPT.get(rel, set()):
                        too_long.append(f"{rel}:{start}: {name} is {count} lines (at most {args.max})")
    for t in too_long:
        print(t)
    if too_long:
        print(f"{len(too_long)} functions longer than {args.max} lines: split them into named steps")
        return 1
    print(f"no function in harness/ or reports/ is longer than {args.max} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
