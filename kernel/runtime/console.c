/* kprintf and ksnprintf: one formatter, writing to the console or to a buffer. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <bf/console.h>
#include <bf/serial.h>
#include <bf/vga.h>

void kputc(char c)
{
    serial_putc(c);
    vga_putc(c);
}

void kputs(const char *s)
{
    while (*s)
        kputc(*s++);
}

/* Where formatted characters go; the formatter counts them itself. */
struct sink {
    void (*put)(struct sink *sink, char c);
    char *buf;      /* buffer sink only */
    size_t size;
    size_t len;     /* characters produced so far, stored or not */
};

static void put_console(struct sink *sink, char c)
{
    (void)sink;
    kputc(c);
}

static void put_buffer(struct sink *sink, char c)
{
    /* Keep the last byte for the NUL; count on so the caller learns the full length. */
    if (sink->len + 1 < sink->size)
        sink->buf[sink->len] = c;
    sink->len++;
}

struct spec {
    bool left;              /* '-' */
    bool zero;              /* '0' */
    unsigned width;
};

static int emit_padded(struct sink *out, const char *prefix, const char *body, unsigned len,
                       const struct spec *sp)
{
    unsigned plen = 0;
    while (prefix[plen])
        plen++;
    unsigned total = plen + len;
    unsigned pad = sp->width > total ? sp->width - total : 0;
    int n = 0;

    if (!sp->left && !sp->zero)
        for (; pad; pad--, n++)
            out->put(out, ' ');
    for (unsigned i = 0; i < plen; i++, n++)
        out->put(out, prefix[i]);
    /* Zero padding goes between the sign/prefix and the digits. */
    if (!sp->left && sp->zero)
        for (; pad; pad--, n++)
            out->put(out, '0');
    for (unsigned i = 0; i < len; i++, n++)
        out->put(out, body[i]);
    for (; pad; pad--, n++)
        out->put(out, ' ');
    return n;
}

static int emit_number(struct sink *out, unsigned long long v, unsigned base, bool upper,
                       const char *prefix, const struct spec *sp)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char buf[24];
    unsigned i = sizeof(buf);

    do {
        buf[--i] = digits[v % base];
        v /= base;
    } while (v);
    return emit_padded(out, prefix, buf + i, (unsigned)(sizeof(buf) - i), sp);
}

static int format(struct sink *out, const char *fmt, va_list ap)
{
    int n = 0;

    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            out->put(out, *fmt);
            n++;
            continue;
        }
        fmt++;

        struct spec sp = { false, false, 0 };
        for (;; fmt++) {
            if (*fmt == '-')
                sp.left = true;
            else if (*fmt == '0')
                sp.zero = true;
            else
                break;
        }
        if (*fmt == '*') {
            int w = va_arg(ap, int);
            if (w < 0) {
                sp.left = true;
                w = -w;
            }
            sp.width = (unsigned)w;
            fmt++;
        } else {
            while (*fmt >= '0' && *fmt <= '9')
                sp.width = sp.width * 10 + (unsigned)(*fmt++ - '0');
        }

        int longs = 0;      /* 0: int, 1: long, 2: long long */
        while (*fmt == 'l') {
            longs++;
            fmt++;
        }
        if (*fmt == 'z')    /* size_t is 32 bits here, same as int */
            fmt++;

        switch (*fmt) {
        case 'd':
        case 'i': {
            long long v;
            if (longs >= 2)
                v = va_arg(ap, long long);
            else if (longs == 1)
                v = va_arg(ap, long);
            else
                v = va_arg(ap, int);
            /* Negate in unsigned arithmetic so LLONG_MIN works. */
            unsigned long long u = v < 0 ? 0ull - (unsigned long long)v
                                         : (unsigned long long)v;
            n += emit_number(out, u, 10, false, v < 0 ? "-" : "", &sp);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            unsigned long long v;
            if (longs >= 2)
                v = va_arg(ap, unsigned long long);
            else if (longs == 1)
                v = va_arg(ap, unsigned long);
            else
                v = va_arg(ap, unsigned int);
            n += emit_number(out, v, *fmt == 'u' ? 10 : 16, *fmt == 'X', "", &sp);
            break;
        }
        case 'p': {
            struct spec pp = { sp.left, true, 10 }; /* "0x" + 8 digits */
            uintptr_t v = (uintptr_t)va_arg(ap, void *);
            n += emit_number(out, v, 16, false, "0x", &pp);
            break;
        }
        case 'c': {
            char c = (char)va_arg(ap, int);
            n += emit_padded(out, "", &c, 1, &sp);
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            unsigned len = 0;
            while (s[len])
                len++;
            sp.zero = false;
            n += emit_padded(out, "", s, len, &sp);
            break;
        }
        case '%':
            out->put(out, '%');
            n++;
            break;
        case '\0':
            /* Lone '%' at the end: stop rather than read past the NUL. */
            return n;
        default:
            /* Unknown conversion: show it so the mistake is visible. */
            out->put(out, '%');
            out->put(out, *fmt);
            n += 2;
            break;
        }
    }
    return n;
}

int kvprintf(const char *fmt, va_list ap)
{
    struct sink out = { put_console, NULL, 0, 0 };
    return format(&out, fmt, ap);
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct sink out = { put_buffer, buf, size, 0 };
    int n = format(&out, fmt, ap);
    if (size)
        buf[out.len < size ? out.len : size - 1] = '\0';
    return n;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvprintf(fmt, ap);
    va_end(ap);
    return n;
}
