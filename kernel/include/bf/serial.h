/* COM1 serial output (polled, no interrupts). */
#ifndef BF_SERIAL_H
#define BF_SERIAL_H

#include <stddef.h>

#define BF_COM1 0x3F8

void serial_init(void);             /* 115200 baud, 8N1, FIFOs on */
void serial_putc(char c);           /* "\n" is sent as "\r\n" */
void serial_write(const char *s, size_t len);

#endif
