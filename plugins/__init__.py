"""Built-in bfbuild rules, one module per rule, each registered through the `bfbuild.plugins`
entry-point group like any third-party plugin."""
