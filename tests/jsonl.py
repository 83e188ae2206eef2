#!/usr/bin/env python3
"""The tests' reader of --json output (JSON Lines on stderr).

  jsonl.py check FILE PROGRAM      every line is one JSON object of PROGRAM,
                                   with "version" 1 and an "event" string
  jsonl.py get FILE EVENT KEY [N]  the KEY of the Nth (default 1st; -1: last)
                                   object of that event: a string as it is
                                   (bytes it stands for: surrogateescape),
                                   anything else as JSON; nothing and exit 1
                                   when there is no such object or key
  jsonl.py count FILE EVENT        how many objects of that event
  jsonl.py flat FILE PROGRAM       check, then every field of every object
                                   as a line "EVENT N KEY VALUE" (N: the
                                   object's number among those of its
                                   event; VALUE as get gives it, a newline
                                   in it as \n), for the shell to grep

Strict: a line that is not exactly one JSON object (NaN, a trailing
comma, two objects) is an error, as is any invalid string escape.
"""
import json
import os
import sys


def strict_number(text):
    raise ValueError("not JSON: " + text)


def objects(path):
    with open(path, "rb") as f:
        data = f.read()
    if data and not data.endswith(b"\n"):
        raise ValueError("the last line has no newline")
    for n, raw in enumerate(data.split(b"\n")[:-1] if data else [], 1):
        # The programs write UTF-8; bytes that are not are escaped.
        line = raw.decode("utf-8")
        try:
            obj = json.loads(line, parse_constant=strict_number)
        except ValueError as e:
            raise ValueError("line %d is not JSON (%s): %r" % (n, e, line))
        if not isinstance(obj, dict):
            raise ValueError("line %d is not an object: %r" % (n, line))
        yield n, obj


def main(argv):
    cmd, path = argv[1], argv[2]
    try:
        objs = list(objects(path))
    except (ValueError, UnicodeDecodeError) as e:
        print("%s: %s" % (path, e), file=sys.stderr)
        return 1
    if cmd in ("check", "flat"):
        seen = {}
        for n, obj in objs:
            if obj.get("version") != 1 or obj.get("program") != argv[3] or \
                    not isinstance(obj.get("event"), str):
                print("%s: line %d lacks version 1, program %s or an event: %r"
                      % (path, n, argv[3], obj), file=sys.stderr)
                return 1
            ev = obj["event"]
            seen[ev] = seen.get(ev, 0) + 1
            for key, value in obj.items() if cmd == "flat" else ():
                text = os.fsencode(value) if isinstance(value, str) else \
                    json.dumps(value).encode()
                sys.stdout.buffer.write(b"%s %d %s %s\n" % (
                    ev.encode(), seen[ev], key.encode(), text.replace(b"\n", b"\\n")))
        return 0
    matching = [obj for _, obj in objs if obj.get("event") == argv[3]]
    if cmd == "count":
        print(len(matching))
        return 0
    if cmd == "get":
        index = int(argv[5]) if len(argv) > 5 else 1
        try:
            obj = matching[index - 1 if index > 0 else index]
            value = obj[argv[4]]
        except (IndexError, KeyError):
            return 1
        if isinstance(value, str):
            sys.stdout.buffer.write(os.fsencode(value) + b"\n")
        else:
            print(json.dumps(value))
        return 0
    print("usage: jsonl.py check|get|count FILE ...", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
