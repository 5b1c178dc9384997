/* A small line editor over the polled serial port and PS/2 keyboard. */
#include <bf/console.h>
#include <bf/cpu.h>
#include <bf/keyboard.h>
#include <bf/serial.h>
#include "line_input.h"

#define CTRL_C 0x03
#define CTRL_D 0x04
#define CTRL_U 0x15
#define ESC 0x1b
#define DEL 0x7f

static int after_cr;    /* the last line ended with CR: a LF right after it belongs to it */
static int from_serial; /* the last byte came from the serial port (a terminal's sequences) */

/* The next byte typed, waiting for one: the serial port first, then the keyboard. */
static int next_byte(void)
{
    for (;;) {
        int c = serial_getc();
        from_serial = c >= 0;
        if (from_serial)
            return c;
        c = (unsigned char)keyboard_poll();
        if (c)
            return c;
        cpu_halt(); /* until the next timer tick: polls 1000 times a second without spinning */
    }
}

/* Skips the rest of an escape sequence (ESC [ ... final byte, or ESC and one byte). */
static void skip_escape(void)
{
    int c = next_byte();
    if (c != '[' && c != 'O')
        return;
    do
        c = next_byte();
    while (c < 0x40 || c > 0x7e);
}

/* Erases the last character of buf[0..n) (all the bytes of a UTF-8 one); the new length. */
static int erase_one(char *buf, int n)
{
    if (n == 0)
        return 0;
    do
        n--;
    while (n > 0 && ((unsigned char)buf[n] & 0xc0) == 0x80);
    kputs("\b \b");
    return n;
}

int llama_read_line(char *buf, int size)
{
    int n = 0;
    for (;;) {
        int c = next_byte();
        int lf_of_crlf = c == '\n' && after_cr;
        after_cr = c == '\r';
        if (lf_of_crlf)
            continue;
        if (c == '\r' || c == '\n')
            break;
        if ((c == CTRL_D || c == CTRL_C) && n == 0)
            return -1;
        if (c == '\b' || c == DEL) {
            n = erase_one(buf, n);
        } else if (c == CTRL_U) {
            while (n > 0)
                n = erase_one(buf, n);
        } else if (c == ESC && from_serial) {
            skip_escape(); /* the keyboard's Escape is one key, a terminal's arrow three bytes */
        } else if (c >= 0x20 && n < size - 1) {
            buf[n++] = (char)c;
            kputc((char)c);
        }
    }
    buf[n] = '\0';
    return n;
}
