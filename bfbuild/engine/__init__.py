"""Execution: the analysed action graph is handed, as data, to a fixed SCons script."""
