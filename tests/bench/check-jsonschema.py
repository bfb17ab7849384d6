"""The python3-jsonschema + PyYAML side of tests/bench/check-bench.

    check-jsonschema.py SCHEMA_DIR FILE...

What check-jsonschema does per file, in one process: PyYAML's libyaml
loader (CSafeLoader), then a draft-07 validation against the file's kind's
schema (written by `git hightouch schema --write`).  Prints the number of
files, of invalid ones, and the time spent in the loop.
"""

import json
import os
import sys
import time

import jsonschema
import yaml

KINDS = {'models': 'model', 'syncs': 'sync'}


def main(argv):
    schema_dir, files = argv[1], argv[2:]
    validators = {}
    for folder, kind in KINDS.items():
        with open(os.path.join(schema_dir, kind + '.schema.json')) as f:
            validators[folder] = jsonschema.Draft7Validator(json.load(f))
    start = time.monotonic()
    bad = 0
    for path in files:
        folder = os.path.basename(os.path.dirname(path))
        with open(path, 'rb') as f:
            doc = yaml.load(f, Loader=yaml.CSafeLoader)
        if not validators[folder].is_valid(doc):
            bad += 1
    spent = time.monotonic() - start
    print('%d files, %d invalid, %.3f s in the loop' % (len(files), bad,
                                                        spent))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
