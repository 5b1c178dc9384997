/* COM1 driver: polled transmit and receive, no interrupts. */
#include <bf/io.h>
#include <bf/serial.h>

#define REG_DATA 0
#define REG_IER 1
#define REG_FCR 2
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5

#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20
#define LSR_NO_UART 0xFF /* what an absent port reads as */

void serial_init(void)
{
    outb(BF_COM1 + REG_IER, 0x00);  /* no interrupts */
    outb(BF_COM1 + REG_LCR, 0x80);  /* DLAB: next two writes set the divisor */
    outb(BF_COM1 + REG_DATA, 0x01); /* 115200 / 1 */
    outb(BF_COM1 + REG_IER, 0x00);
    outb(BF_COM1 + REG_LCR, 0x03);  /* 8N1 */
    outb(BF_COM1 + REG_FCR, 0xC7);  /* enable and clear FIFOs */
    outb(BF_COM1 + REG_MCR, 0x03);  /* DTR | RTS */
}

static void serial_put_raw(char c)
{
    /* Bounded so that a machine without a UART does not hang. */
    for (unsigned spins = 0; spins < 100000; spins++) {
        if (inb(BF_COM1 + REG_LSR) & LSR_THR_EMPTY)
            break;
    }
    outb(BF_COM1 + REG_DATA, (uint8_t)c);
}

void serial_putc(char c)
{
    if (c == '\n')
        serial_put_raw('\r');
    serial_put_raw(c);
}

void serial_write(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        serial_putc(s[i]);
}

int serial_getc(void)
{
    uint8_t lsr = inb(BF_COM1 + REG_LSR);
    if (lsr == LSR_NO_UART || !(lsr & LSR_DATA_READY))
        return -1;
    return inb(BF_COM1 + REG_DATA);
}
