"""Whether a BUILD.yaml names a workspace: a line `workspace: NAME` (a value, not a block, a
flow mapping or a comment). Read before any YAML, by the loader (bfbuild.loading.workspace) and
by the client (bfbuild.client), which must start fast: no imports here, not even `re`."""

_BLANK = b" \t\r\f\v"


def declares_workspace(text: bytes) -> bool:
    for line in text.split(b"\n"):
        if line.startswith(b"workspace"):
            rest = line[len(b"workspace"):].lstrip(_BLANK)
            if rest.startswith(b":"):
                value = rest[1:].lstrip(b" \t")
                if value and value[:1] not in _BLANK + b"{#":
                    return True
    return False
