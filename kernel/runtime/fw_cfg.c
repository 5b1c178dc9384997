/* QEMU fw_cfg over the legacy I/O ports (docs/specs/fw_cfg.rst in QEMU's sources). */
#include <bf/fw_cfg.h>
#include <bf/io.h>
#include <bf/string.h>

#define FW_CFG_PORT_SEL 0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_FILE_DIR 0x0019

static void read_bytes(void *out, uint32_t size)
{
    uint8_t *bytes = out;
    for (uint32_t i = 0; i < size; i++)
        bytes[i] = inb(FW_CFG_PORT_DATA);
}

static uint32_t be32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

int fw_cfg_read_file(const char *name, char *buf, uint32_t size)
{
    uint8_t signature[4], count[4];
    outw(FW_CFG_PORT_SEL, FW_CFG_SIGNATURE);
    read_bytes(signature, 4);
    if (memcmp(signature, "QEMU", 4) != 0 || size == 0)
        return -1;
    outw(FW_CFG_PORT_SEL, FW_CFG_FILE_DIR);
    read_bytes(count, 4);
    for (uint32_t i = 0, n = be32(count); i < n; i++) {
        struct {
            uint8_t size[4], select[2], reserved[2];
            char name[56];
        } entry;
        read_bytes(&entry, sizeof entry);
        entry.name[55] = '\0';
        if (strcmp(entry.name, name) != 0)
            continue;
        uint32_t length = be32(entry.size);
        if (length > size - 1)
            length = size - 1;
        outw(FW_CFG_PORT_SEL, (uint16_t)(entry.select[0] << 8 | entry.select[1]));
        read_bytes(buf, length);
        buf[length] = '\0';
        return (int)length;
    }
    return -1;
}

uint32_t fw_cfg_read_u32(const char *name, uint32_t fallback)
{
    char text[12];
    if (fw_cfg_read_file(name, text, sizeof text) <= 0)
        return fallback;
    uint32_t value = 0;
    for (const char *c = text; *c && *c != '\n'; c++) {
        if (*c < '0' || *c > '9' || value > 400000000u)
            return fallback;
        value = value * 10 + (uint32_t)(*c - '0');
    }
    return value;
}
