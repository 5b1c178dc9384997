/* Reading model files from the data disk. */
#include <bf/fat16.h>
#include <bf/heap.h>
#include "disk.h"

int llama_read_file(const char *path, uint8_t **data, uint32_t *size)
{
    struct fat16_file file;
    int rc = fat16_open(path, &file);
    if (rc != 0)
        return rc;
    if (file.attr & FAT16_ATTR_DIRECTORY)
        return FAT16_ERR_IS_DIR;
    uint8_t *buffer = kmalloc(file.size + 1);
    if (!buffer)
        return LLAMA_DISK_NO_MEMORY;
    rc = fat16_read(&file, buffer, file.size);
    if (rc < 0 || (uint32_t)rc != file.size) {
        kfree(buffer);
        return rc < 0 ? rc : FAT16_ERR_CORRUPT;
    }
    buffer[file.size] = 0;
    *data = buffer;
    *size = file.size;
    return 0;
}
