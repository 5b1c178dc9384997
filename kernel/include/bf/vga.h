/* 80x25 VGA text console at 0xB8000. */
#ifndef BF_VGA_H
#define BF_VGA_H

#include <stddef.h>

#define VGA_COLS 80
#define VGA_ROWS 25

void vga_init(void);                /* clears the screen */
void vga_clear(void);
void vga_putc(char c);              /* handles \n \r \t \b, scrolls */
void vga_write(const char *s, size_t len);

#endif
