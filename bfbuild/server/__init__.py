"""The build server: one process per workspace keeping bfbuild's imports warm between commands.

`bfbuild.client` forwards each command (its argv, folder, environment, umask and the terminal's
file descriptors) over a Unix socket; `daemon.py` accepts it and forks a child that runs the
command exactly as a `--no-server` bfbuild would (`request.py`), starting the engine as a fork
too (`warm_engine.py`), then reports the child's exit status. docs/server.md explains the design.
This file imports nothing: the client imports `bfbuild.server.protocol` on every command.
"""
