"""`bfbuild schema [-o FILE]`: the JSON Schema of BUILD.yaml and package files, for editors."""
import sys

from bfbuild.commands import EXIT_OK, NEEDS_PLUGINS, Command
from bfbuild.commands.schema_json import dumps, workspace_schema
from bfbuild.plugins import collect_axes, collect_mapping, collect_rules


def _arguments(parser):
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: stdout)")


def run(invocation) -> int:
    plugins, options = invocation.plugins, invocation.options
    text = dumps(workspace_schema(collect_rules(plugins), collect_axes(plugins),
                                  collect_mapping(plugins, "bfbuild_workspace_settings")))
    if options.output:
        with open(options.output, "w", encoding="utf-8") as handle:
            handle.write(text)
        print(f"bfbuild: JSON Schema written to {options.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK


COMMAND = Command("schema", "write the JSON Schema of BUILD.yaml and package files", run,
                  _arguments, needs=NEEDS_PLUGINS)
