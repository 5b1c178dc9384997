"""Disks that remember: the writable state disk of an image (`disk.py`), a FAT16 reader for it
(`fat16.py`) and the kernel's crash-safe record format (`slots.py`, bf/state_store.h); see
docs/state.md."""
