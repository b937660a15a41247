"""BeaconHunt's CSV form (RFC 4180, CRLF, lists as JSON arrays, doubles in their shortest
round-trip form, a leading formula character quoted away), for the bench's peers: what they write
must be byte-identical to `beaconhunt hunt --format csv`."""


def cell(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v) if v == v and v not in (float("inf"), float("-inf")) else "null"
    if isinstance(v, list):
        return field("[" + ",".join(cell(x) for x in v) + "]")
    s = str(v)
    if s[:1] in ("=", "+", "-", "@", "\t", "\r"):
        s = "'" + s
    return field(s)


def field(s):
    if any(c in s for c in ',"\r\n'):
        return '"' + s.replace('"', '""') + '"'
    return s


def write(out_path, columns, batches):
    """Writes the header and every row of `batches` (an iterable of row lists)."""
    with open(out_path, "w", newline="") as out:
        out.write(",".join(field(c) for c in columns) + "\r\n")
        for batch in batches:
            for row in batch:
                out.write(",".join(cell(v) for v in row) + "\r\n")
