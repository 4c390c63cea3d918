#!/usr/bin/env python3
"""The hot group of common/libjta.ld, from a callgrind profile (issue 16:
RSS per worker; README "Memory per worker and the start cost", fifth
pass).

    hot_sections.py PROGRAM BUILDDIR CALLGRIND.OUT...

Reads the functions of PROGRAM (a FastCGI program of BUILDDIR) that ran
in the profiles, finds the object of libjta.a (or the program's own
object) that defines each, and prints the body of the .text.jta_hot
output section: one line per object, its functions' input sections
(-ffunction-sections names each .text.NAME), in the order of the most
instructions first.  Paste it between the markers of common/libjta.ld.

How the shipped list was made (README, fifth pass): bench_jira.py's
stack, with one jta-issues worker started by hand on the stack's
listening socket under `valgrind --tool=callgrind
--callgrind-out-file=FILE`, in Jira mode; two profiles, one serving the
benchmark's searches and a dozen creates, one with the metadata cache
(the jira_meta table) emptied first so that its fetches ran too.  A
static function whose name several objects define is listed in each.  A
function missing from the list only stays where its object's group puts
it; a name that no longer exists matches nothing (link-check.sh checks
that the group is there and holds the request loop)."""
import collections
import os
import re
import subprocess
import sys


def executed(path, program):
    """{function name: instructions} of program's own code in a
    callgrind output file (names compressed as "(N) name")."""
    names = {"ob": {}, "fn": {}}
    ob = fn = None
    out = collections.Counter()
    with open(path) as f:
        for line in f:
            m = re.match(r"^(c?)(ob|fn)=\((\d+)\)(?: (.*))?$", line.rstrip())
            if m:
                table = names[m.group(2)]
                if m.group(4):
                    table[m.group(3)] = m.group(4)
                name = table.get(m.group(3))
                if m.group(1):
                    continue          # a callee's object or name
                if m.group(2) == "ob":
                    ob = name
                else:
                    # valgrind names some of the program's code's
                    # object "???"; main() keeps only names that the
                    # objects define.
                    fn = name if ob is not None and (ob == "???" or
                                                     os.path.realpath(ob) ==
                                                     program) else None
                    if fn is not None:
                        fn = fn.split("'")[0]
                        out[fn] += 0
                continue
            if fn is not None and re.match(r"^[+\-*0-9]", line):
                parts = line.split()
                if len(parts) >= 2 and parts[1].isdigit():
                    out[fn] += int(parts[1])
    return out


def defined(obj):
    """The functions obj defines, by name."""
    text = subprocess.run(["nm", "--defined-only", obj], check=True,
                          capture_output=True, text=True).stdout
    return {p[2] for p in (l.split() for l in text.splitlines())
            if len(p) == 3 and p[1] in "tT"}


def main():
    if len(sys.argv) < 4:
        sys.exit("usage: hot_sections.py PROGRAM BUILDDIR CALLGRIND.OUT...")
    program = os.path.realpath(sys.argv[1])
    build = sys.argv[2]
    runs = collections.Counter()
    for p in sys.argv[3:]:
        runs.update(executed(p, program))
    own = os.path.join("fcgi", os.path.basename(program)[4:] + ".o")
    objs = [own] + sorted(
        os.path.relpath(os.path.join(d, n), build)
        for d, _, files in os.walk(os.path.join(build, "common"))
        for n in files if n.endswith(".o"))
    where = collections.defaultdict(list)
    for o in objs:
        if os.path.exists(os.path.join(build, o)):
            for name in defined(os.path.join(build, o)):
                where[name].append(o)
    groups = collections.OrderedDict()
    for name, n in runs.most_common():
        if name.endswith(".cold") or name == "main" or name not in where:
            continue    # cold parts; main is in .text.startup; libc's crt
        for o in where[name]:
            groups.setdefault(o, []).append(".text." + name)
    for o, secs in groups.items():
        pat = "*" + o if o == own else "*libjta.a:" + os.path.basename(o)
        line = "    %s(" % pat
        for s in secs:
            if len(line) + len(s) + 1 > 76:
                print(line.rstrip())
                line = "      "
            line += s + " "
        print(line.rstrip() + ")")


if __name__ == "__main__":
    main()
