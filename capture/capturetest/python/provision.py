"""A provisioning connector on python-requests, against capturetest's Target:
for each account, create it (POST /admin/users), add it to the group
(PATCH /admin/usergroups/<id>), read it back (GET), with Basic credentials
on every call (requests sends them without waiting for a challenge).

usage: python3 provision.py BASE_URL USER PASSWORD GROUP_ID ACCOUNT...
           [--session] [--proxy URL] [--ca FILE]

With --session one requests.Session makes every call: its own cookie jar and
connection pool, as a connector process keeps them. Without, each call is
requests.post/patch/get: a new connection and no cookies kept.
Exit status 0: done; 3: a call was refused (REFUSED on stderr); 1: other failure.
"""

import sys

import requests


def main(argv):
    args, opts, i = [], {}, 0
    while i < len(argv):
        if argv[i] == "--session":
            opts["session"] = True
        elif argv[i] in ("--proxy", "--ca"):
            opts[argv[i][2:]] = argv[i + 1]
            i += 1
        else:
            args.append(argv[i])
        i += 1
    base, user, password, group, accounts = args[0].rstrip("/"), args[1], args[2], args[3], args[4:]
    http = requests.Session() if opts.get("session") else requests
    kw = {"auth": (user, password), "headers": {"Accept": "application/json"}, "timeout": 30}
    if "proxy" in opts:
        kw["proxies"] = {"http": opts["proxy"], "https": opts["proxy"]}
    if "ca" in opts:
        kw["verify"] = opts["ca"]

    def call(method, path, body=None):
        r = getattr(http, method.lower())(base + path, json=body, **kw)
        print(method, path, r.status_code)
        if r.status_code >= 400:
            print("REFUSED", method, path, r.status_code, r.text.strip(), file=sys.stderr)
            sys.exit(3)
        return r

    for account in accounts:
        created = call("POST", "/admin/users", {"name": account}).json()
        call("PATCH", "/admin/usergroups/" + group, {"addUsers": [created["uuid"]]})
        call("GET", "/admin/users/" + account)


if __name__ == "__main__":
    main(sys.argv[1:])
