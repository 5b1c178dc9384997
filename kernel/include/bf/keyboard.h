/* PS/2 keyboard, polled (no IRQ), scancode set 1 (the controller's default translation). */
#ifndef BF_KEYBOARD_H
#define BF_KEYBOARD_H

/*
 * Consumes the bytes the controller has ready until one key press gives a character, and
 * returns it as US-layout ASCII ('\n' for Enter, '\b' Backspace, '\t' Tab, 27 Escape, 1-26 for
 * Ctrl+letter); 0 when no character is waiting. Shift, Caps Lock and Num Lock are tracked;
 * keys without a character (arrows, F1...) are consumed and ignored.
 */
char keyboard_poll(void);

#endif
