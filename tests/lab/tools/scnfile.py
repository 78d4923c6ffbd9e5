"""A lab scenario file (tests/lab/scenarios/*.scn) as a dict: KEY=VALUE lines, '#' comments.

Shared by the lab's checkers (expect_check.py, exporter_check.py), so that they read the
expect.* lines the same way tests/lab/lib/common.sh does."""


def scenario(path):
    s = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                k, v = line.split("=", 1)
                s[k.strip()] = v.strip()
    return s
