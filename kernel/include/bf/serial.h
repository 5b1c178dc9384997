/* COM1 serial port (polled, no interrupts). */
#ifndef BF_SERIAL_H
#define BF_SERIAL_H

#include <stddef.h>

#define BF_COM1 0x3F8

void serial_init(void);             /* 115200 baud, 8N1, FIFOs on */
void serial_putc(char c);           /* "\n" is sent as "\r\n" */
void serial_write(const char *s, size_t len);
/* The next received byte (0..255), or -1 when none is waiting (or there is no UART). */
int serial_getc(void);

#endif
