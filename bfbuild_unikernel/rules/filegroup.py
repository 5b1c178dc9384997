"""filegroup: name a set of source files so other packages can refer to them by label."""
from bfbuild.api import Attr, DefaultInfo, hookimpl, Rule

ATTRS = {"srcs": Attr("source_list", required=True, doc="the files")}


def analyse(ctx):
    return [DefaultInfo(tuple(ctx.files("srcs")))]


@hookimpl
def bfbuild_register_rules():
    return [Rule("filegroup", ATTRS, analyse, doc=__doc__)]
