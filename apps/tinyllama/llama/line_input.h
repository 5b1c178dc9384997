/*
 * One line typed on the serial console (COM1, a raw terminal: bfbuild run --interactive) or on
 * the PS/2 keyboard (a QEMU display), echoed to the console as it is typed.
 */
#ifndef LLAMA_LINE_INPUT_H
#define LLAMA_LINE_INPUT_H

/*
 * Waits for a line into buf (size bytes, NUL-terminated, at most size - 1 bytes kept; further
 * characters are ignored). Enter (CR, LF, or CR LF) ends it; Backspace (BS or DEL) erases a
 * character, Ctrl-U the line; escape sequences (arrow keys) and other control characters are
 * ignored. Returns the length, or -1 for Ctrl-D or Ctrl-C (end of input) on an empty line.
 * The end of the line is not echoed: the caller decides what follows. Needs interrupts on
 * (it halts until the next timer tick between polls).
 */
int llama_read_line(char *buf, int size);

#endif
