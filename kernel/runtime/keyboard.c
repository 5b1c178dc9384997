/* PS/2 keyboard: scancode set 1 to ASCII, with modifier state. */
#include <stdbool.h>
#include <stdint.h>
#include <bf/io.h>
#include <bf/keyboard.h>

#define KBD_DATA 0x60
#define KBD_STATUS 0x64
#define STATUS_OUTPUT_FULL 0x01
#define STATUS_FROM_MOUSE 0x20

#define SC_RELEASE 0x80
#define SC_EXTENDED 0xE0
#define SC_PAUSE 0xE1 /* followed by 5 more bytes; none of them is a real key */
#define SC_LCTRL 0x1D
#define SC_LSHIFT 0x2A
#define SC_RSHIFT 0x36
#define SC_CAPSLOCK 0x3A
#define SC_NUMLOCK 0x45
#define SC_KEYPAD_FIRST 0x47
#define SC_KEYPAD_LAST 0x53
#define SC_ENTER 0x1C
#define SC_SLASH 0x35

/* US layout, indexed by make code; 0 = no character. */
static const char plain[0x3A] = {
    0, 27, '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '-', '=', '\b', '\t',
    'q', 'w', 'e', 'r', 't', 'y', 'u', 'i', 'o', 'p', '[', ']', '\n', 0, 'a', 's',
    'd', 'f', 'g', 'h', 'j', 'k', 'l', ';', '\'', '`', 0, '\\', 'z', 'x', 'c', 'v',
    'b', 'n', 'm', ',', '.', '/', 0, '*', 0, ' ',
};

static const char shifted[0x3A] = {
    0, 27, '!', '@', '#', '$', '%', '^', '&', '*', '(', ')', '_', '+', '\b', '\t',
    'Q', 'W', 'E', 'R', 'T', 'Y', 'U', 'I', 'O', 'P', '{', '}', '\n', 0, 'A', 'S',
    'D', 'F', 'G', 'H', 'J', 'K', 'L', ':', '"', '~', 0, '|', 'Z', 'X', 'C', 'V',
    'B', 'N', 'M', '<', '>', '?', 0, '*', 0, ' ',
};

/* Keypad 0x47-0x53 with Num Lock on: 7 8 9 - 4 5 6 + 1 2 3 0 . */
static const char keypad[SC_KEYPAD_LAST - SC_KEYPAD_FIRST + 1] = {
    '7', '8', '9', '-', '4', '5', '6', '+', '1', '2', '3', '0', '.',
};

static bool left_shift, right_shift, ctrl, caps_lock, num_lock;
static bool extended;       /* the previous byte was 0xE0 */
static unsigned skip_bytes; /* rest of a Pause sequence */

static char translate(uint8_t code)
{
    bool shift = left_shift || right_shift;

    if (code < sizeof(plain)) {
        char c = plain[code];
        if (c >= 'a' && c <= 'z') {
            if (ctrl)
                return (char)(c - 'a' + 1);
            return (shift != caps_lock) ? (char)(c - 'a' + 'A') : c;
        }
        return shift ? shifted[code] : c;
    }
    if (code == 0x4A || code == 0x4E) /* keypad - and + work without Num Lock */
        return keypad[code - SC_KEYPAD_FIRST];
    if (code >= SC_KEYPAD_FIRST && code <= SC_KEYPAD_LAST && num_lock && !shift)
        return keypad[code - SC_KEYPAD_FIRST];
    return 0;
}

/* One scancode byte: updates the modifiers, returns the character of a press or 0. */
static char process(uint8_t byte)
{
    if (skip_bytes) {
        skip_bytes--;
        return 0;
    }
    if (byte == SC_PAUSE) {
        skip_bytes = 5;
        return 0;
    }
    if (byte == SC_EXTENDED) {
        extended = true;
        return 0;
    }

    bool was_extended = extended;
    extended = false;
    bool released = (byte & SC_RELEASE) != 0;
    uint8_t code = byte & (uint8_t)~SC_RELEASE;

    if (was_extended) {
        /* E0 2A / E0 36 are fake shifts around some keys: not the real Shift keys. */
        if (code == SC_LCTRL)
            ctrl = !released;
        else if (!released && code == SC_ENTER)
            return '\n';
        else if (!released && code == SC_SLASH)
            return '/';
        return 0;
    }

    switch (code) {
    case SC_LSHIFT:
        left_shift = !released;
        return 0;
    case SC_RSHIFT:
        right_shift = !released;
        return 0;
    case SC_LCTRL:
        ctrl = !released;
        return 0;
    case SC_CAPSLOCK:
        if (!released)
            caps_lock = !caps_lock;
        return 0;
    case SC_NUMLOCK:
        if (!released)
            num_lock = !num_lock;
        return 0;
    default:
        return released ? 0 : translate(code);
    }
}

char keyboard_poll(void)
{
    for (;;) {
        uint8_t status = inb(KBD_STATUS);
        if (!(status & STATUS_OUTPUT_FULL))
            return 0;
        uint8_t byte = inb(KBD_DATA);
        if (status & STATUS_FROM_MOUSE)
            continue;
        char c = process(byte);
        if (c)
            return c;
    }
}
