/* QEMU's firmware configuration device (fw_cfg, I/O ports 0x510/0x511): named files the
 * command line passes to the guest (-fw_cfg name=opt/...,string=...). */
#ifndef BF_FW_CFG_H
#define BF_FW_CFG_H
#include <stdint.h>

/* Copies up to size - 1 bytes of file `name` into buf, NUL-terminated; returns the bytes
 * copied, or -1 when there is no fw_cfg device or no such file. */
int fw_cfg_read_file(const char *name, char *buf, uint32_t size);
/* The file as a decimal number, or `fallback` when it is missing or not a number. */
uint32_t fw_cfg_read_u32(const char *name, uint32_t fallback);
#endif
