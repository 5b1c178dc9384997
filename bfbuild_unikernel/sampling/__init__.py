"""The sampling profiler's host side (docs/profiling.md): read the samples a sampling kernel
prints at exit (export), name their addresses from the kernel's and the modules' ELF files
(symbols), and write folded stacks, a speedscope file and an SVG flame graph (outputs, flame)."""
