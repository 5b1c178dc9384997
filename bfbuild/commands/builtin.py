"""The core's commands, registered through the same hook as a plugin's."""
from bfbuild import hookimpl


@hookimpl
def bfbuild_commands():
    from bfbuild.commands import (build, cache, clean, explain, graph, new, query, schema, shutdown,
                                  test)

    return [module.COMMAND
            for module in (build, test, query, graph, explain, new, schema, clean, cache, shutdown)]


@hookimpl
def bfbuild_workspace_settings():
    from bfbuild.commands.shutdown import SERVER_KEY, check_server_settings

    return {SERVER_KEY: check_server_settings}
