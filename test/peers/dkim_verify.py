#!/usr/bin/env python3
"""Verify every DKIM-Signature of a message with python3-dkim (dkimpy), the keys given as JSON.

usage: dkim_verify.py MESSAGE_FILE KEYS_JSON   (KEYS_JSON: {"sel._domainkey.example.test": "v=DKIM1; ..."})
Prints one JSON object: {"results": [{"ok": bool, "h": [signed header names]}]}. Exit 1 if any fails.
"""
import json
import re
import sys

import dkim


def main() -> int:
    message = open(sys.argv[1], 'rb').read()
    keys = json.loads(sys.argv[2])

    def dnsfunc(name, timeout=5):
        text = name.decode() if isinstance(name, bytes) else name
        return keys.get(text.rstrip('.').lower(), '').encode()

    head = message.split(b'\r\n\r\n', 1)[0].decode('latin-1')
    unfolded = re.sub(r'\r\n[ \t]+', ' ', head)
    signatures = [line for line in unfolded.split('\r\n') if line.lower().startswith('dkim-signature:')]
    results = []
    for idx, line in enumerate(signatures):
        h = re.search(r'\bh=([^;]+)', line)
        names = [x.strip().lower() for x in h.group(1).split(':')] if h else []
        ok = dkim.DKIM(message).verify(idx=idx, dnsfunc=dnsfunc)
        results.append({'ok': bool(ok), 'h': names})
    print(json.dumps({'results': results}))
    return 0 if results and all(r['ok'] for r in results) else 1


if __name__ == '__main__':
    sys.exit(main())
