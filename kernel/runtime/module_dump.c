/* Module memory over the serial port, for the host's PGO tools (format in bf/module_dump.h). */
#include <bf/module_dump.h>
#include <bf/serial.h>

static const char hex_digits[] = "0123456789abcdef";

/* Writes `value` as `digits` hex digits at `out`; returns the position after them. */
static char *put_hex(char *out, uint32_t value, int digits)
{
    for (int i = digits - 1; i >= 0; i--)
        *out++ = hex_digits[(value >> (4 * i)) & 0xF];
    return out;
}

static char *put_decimal(char *out, uint32_t value)
{
    char digits[10];
    int n = 0;
    do {
        digits[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    while (n)
        *out++ = digits[--n];
    return out;
}

static char *put_text(char *out, const char *text)
{
    while (*text)
        *out++ = *text++;
    return out;
}

static int name_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '.';
}

void bf_module_dump(const char *name, const void *start, uint32_t size)
{
    /* The longest line: the BEGIN marker with a 31-byte name (longer names are cut). */
    char line[96];
    char *p = put_text(line, "--- BEGIN MODULE MEMORY ");
    uint32_t i = 0;
    for (; name && name[i] && i < 31; i++)
        *p++ = name_char_ok(name[i]) ? name[i] : '_';
    if (i == 0)
        *p++ = '?';
    p = put_text(p, " 0x");
    p = put_hex(p, (uint32_t)(uintptr_t)start, 8);
    *p++ = ' ';
    p = put_decimal(p, size);
    p = put_text(p, " ---\n");
    serial_write(line, (uint32_t)(p - line));

    const uint8_t *bytes = start;
    for (uint32_t offset = 0; offset < size; offset += BF_MODULE_DUMP_BYTES_PER_LINE) {
        uint32_t count = size - offset;
        if (count > BF_MODULE_DUMP_BYTES_PER_LINE)
            count = BF_MODULE_DUMP_BYTES_PER_LINE;
        p = put_hex(line, (uint32_t)(uintptr_t)start + offset, 8);
        *p++ = ' ';
        for (uint32_t k = 0; k < count; k++)
            p = put_hex(p, bytes[offset + k], 2);
        *p++ = '\n';
        serial_write(line, (uint32_t)(p - line));
    }
    p = put_text(line, "--- END MODULE MEMORY ---\n");
    serial_write(line, (uint32_t)(p - line));
}
