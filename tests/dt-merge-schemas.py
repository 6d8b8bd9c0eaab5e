#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Add our schemas to the kernel's processed schemas (dt-mk-schema -j output).

Processing the kernel's whole binding tree takes dt-mk-schema half a minute,
so tests/dt-check.sh does it once and caches the result; this adds the few
schemas of this repository to that cache the way dt-mk-schema would have
(same per-file processing, then the generated compatible and property type
tables rebuilt over the union), in a second or two.

Unlike dt-mk-schema, which skips a broken schema with a message and goes on,
any problem with one of OUR schemas (a processing error, a duplicate $id,
a schema without select) is an error here: exit status 1.

Usage: dt-merge-schemas.py KERNEL.json OUT.json SCHEMA.yaml...
Run it with the Python that has dtschema (the one of dt-validate).
"""

import contextlib
import io
import json
import os
import sys

from dtschema import lib


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    kernel_json, out_json, files = sys.argv[1], sys.argv[2], sys.argv[3:]

    with open(kernel_json, encoding='utf-8') as f:
        schemas = {k: v for k, v in json.load(f).items()
                   if not k.startswith('generated-')}

    ok = True
    for name in files:
        msgs = io.StringIO()
        with contextlib.redirect_stderr(msgs):
            sch = lib.process_schema(os.path.abspath(name))
        if msgs.getvalue():
            sys.stderr.write(msgs.getvalue())
            ok = False
        if not sch:
            print('%s: not processed' % name, file=sys.stderr)
            ok = False
            continue
        if sch['$id'] in schemas:
            print("%s: $id %s already taken by %s" %
                  (name, sch['$id'], schemas[sch['$id']]['$filename']), file=sys.stderr)
            ok = False
            continue
        schemas[sch['$id']] = sch
    if not ok:
        return 1

    lib.schema_cache = schemas
    lib.make_compatible_schema(schemas)
    lib.make_property_type_cache()
    tmp = out_json + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        json.dump(schemas, f)
    os.replace(tmp, out_json)
    return 0


if __name__ == '__main__':
    sys.exit(main())
