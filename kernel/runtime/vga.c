/* VGA text mode console: 80x25 cells of (character, attribute). */
#include <stdint.h>
#include <bf/io.h>
#include <bf/string.h>
#include <bf/vga.h>

#define VGA_ATTR 0x07               /* light grey on black */
#define VGA_CRTC_INDEX 0x3D4
#define VGA_CRTC_DATA 0x3D5

static volatile uint16_t *const vga_buf = (volatile uint16_t *)0xB8000;
static unsigned vga_row, vga_col;

static uint16_t vga_cell(char c)
{
    return (uint16_t)((VGA_ATTR << 8) | (uint8_t)c);
}

static void vga_move_cursor(void)
{
    uint16_t pos = (uint16_t)(vga_row * VGA_COLS + vga_col);
    outb(VGA_CRTC_INDEX, 0x0F);
    outb(VGA_CRTC_DATA, (uint8_t)(pos & 0xFF));
    outb(VGA_CRTC_INDEX, 0x0E);
    outb(VGA_CRTC_DATA, (uint8_t)(pos >> 8));
}

static void vga_scroll(void)
{
    /* Cast away volatile: a plain block move is fine for video memory. */
    memmove((void *)vga_buf, (const void *)(vga_buf + VGA_COLS),
            (VGA_ROWS - 1) * VGA_COLS * sizeof(uint16_t));
    for (unsigned col = 0; col < VGA_COLS; col++)
        vga_buf[(VGA_ROWS - 1) * VGA_COLS + col] = vga_cell(' ');
    vga_row = VGA_ROWS - 1;
}

void vga_clear(void)
{
    for (unsigned i = 0; i < VGA_ROWS * VGA_COLS; i++)
        vga_buf[i] = vga_cell(' ');
    vga_row = 0;
    vga_col = 0;
    vga_move_cursor();
}

void vga_init(void)
{
    vga_clear();
}

static void vga_put_raw(char c)
{
    switch (c) {
    case '\n':
        vga_col = 0;
        vga_row++;
        break;
    case '\r':
        vga_col = 0;
        break;
    case '\t':
        vga_col = (vga_col + 8) & ~7u;
        break;
    case '\b':
        if (vga_col > 0)
            vga_col--;
        break;
    default:
        vga_buf[vga_row * VGA_COLS + vga_col] = vga_cell(c);
        vga_col++;
        break;
    }
    if (vga_col >= VGA_COLS) {
        vga_col = 0;
        vga_row++;
    }
    if (vga_row >= VGA_ROWS)
        vga_scroll();
}

void vga_putc(char c)
{
    vga_put_raw(c);
    vga_move_cursor();
}

void vga_write(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        vga_put_raw(s[i]);
    vga_move_cursor();
}
