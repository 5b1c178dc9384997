"""Records the kernel keeps on its state disk (bf/state_store.h, docs/state.md): saved in one boot,
loaded in the next with the sequence number advancing, read back on the host, and never lost
or half-trusted when QEMU is killed in the middle of a save.

One small application (below) loads record CRASHT, checks that its bytes are those of one whole
record, writes a plain file through the FAT16 writer, then saves the record as many times as
fw_cfg opt/bf/saves says (0: until QEMU is killed)."""
import os
import random
import re
import subprocess
import threading
import time

import pytest

from bfbuild_unikernel.qemu.boot import SUCCESS_STATUS, qemu_argv
from bfbuild_unikernel.state.disk import with_state_disk
from bfbuild_unikernel.state.fat16 import Fat16
from bfbuild_unikernel.state.slots import read_record
from tests.integration.conftest import copy_workspace

pytestmark = pytest.mark.slow

APP_MAIN = r"""
#include <stdint.h>
#include <bf/console.h>
#include <bf/exit.h>
#include <bf/fat16.h>
#include <bf/fw_cfg.h>
#include <bf/state_store.h>

void kmain(void);

#define BYTES (12 * 1024)
static uint8_t record[BYTES];

static uint8_t byte_of(uint32_t seq, uint32_t i)
{
    return (uint8_t)(seq * 131u + i * 7u + (i >> 8));
}

/* A record's bytes follow from its sequence number, its first four bytes: a mix of two records
 * is told from a whole one. */
static void fill(uint32_t seq)
{
    for (uint32_t i = 0; i < BYTES; i++)
        record[i] = byte_of(seq, i);
    for (int i = 0; i < 4; i++)
        record[i] = (uint8_t)(seq >> (8 * i));
}

static uint32_t seq_of(void)
{
    return record[0] | (record[1] << 8) | (record[2] << 16) | ((uint32_t)record[3] << 24);
}

static int whole(uint32_t len)
{
    if (len != BYTES)
        return 0;
    for (uint32_t i = 4; i < len; i++) {
        if (record[i] != byte_of(seq_of(), i))
            return 0;
    }
    return 1;
}

/* The FAT16 writer beyond the store: a file grown then shrunk, a folder grown past a cluster. */
static int write_files(void)
{
    static const char note[] = "written by the kernel\n";
    static uint8_t big[3000];
    char name[] = "/STATE/MANY/F00.TXT";
    int r = fat16_mkdir("/STATE");
    if (r == 0)
        r = fat16_write_file("/STATE/NOTE.TXT", note, sizeof note - 1);
    for (uint32_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 13u);
    if (r == 0)
        r = fat16_write_file("/STATE/GROW.BIN", big, sizeof big);
    if (r == 0)
        r = fat16_write_file("/STATE/GROW.BIN", big, 700);
    if (r == 0)
        r = fat16_mkdir("/STATE/MANY");
    for (int i = 0; r == 0 && i < 40; i++) {
        name[13] = (char)('0' + i / 10);
        name[14] = (char)('0' + i % 10);
        r = fat16_write_file(name, name + 12, 7);
    }
    return r == 0 ? fat16_flush() : r;
}

void kmain(void)
{
    uint32_t saves = fw_cfg_read_u32("opt/bf/saves", 1), len = 0, seq = 0;
    int r = bf_state_load("crasht", record, sizeof record, &len);
    if (r == 0 && !whole(len)) {
        kprintf("statetest: MIXED record (sequence %u, %u bytes)\n", seq_of(), len);
        bf_exit(BF_EXIT_PANIC);
    }
    if (r == 0)
        kprintf("statetest: record %u whole\n", seq = seq_of());
    else
        kprintf("statetest: no record (%s)\n", bf_state_strerror(r));
    r = write_files();
    kprintf("statetest: files %s\n", r == 0 ? "written" : bf_state_strerror(r));
    for (uint32_t i = 0; saves == 0 || i < saves; i++) {
        fill(++seq);
        if (bf_state_save("crasht", record, BYTES) != 0)
            bf_exit(BF_EXIT_PANIC);
    }
    kprintf("statetest: ok\n");
    bf_exit(BF_EXIT_SUCCESS);
}
"""
BOOT_TEST = """
test:
  rule: boot-test
  image: :image
  expect: ['^state: CRASHT loaded from slot 1, sequence 2, 12288 bytes \\(slot 0: sequence 1\\)',
           '^statetest: record 2 whole', '^state: CRASHT saved to slot 0, sequence 3', '^statetest: ok']
  forbid: ['MIXED', 'PANIC']
"""
DATA_DISK = "bfout/any-any-any/apps/statetest/disk/disk.img"
IMAGE = "bfout/i686-any-clang/statetest/image/image.img"
STATE = "bfout/state/i686-any-clang/statetest/image.img"
SAVES = ("-fw_cfg", "name=opt/bf/saves,string=2")


def expected_payload(seq):
    data = bytes((seq * 131 + i * 7 + (i >> 8)) & 0xFF for i in range(12 * 1024))
    return seq.to_bytes(4, "little") + data[4:]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    ws = copy_workspace(tmp_path_factory.mktemp("state") / "ws")
    ws.add_app("statetest", APP_MAIN, extra_targets="disk:\n  rule: fat-disk\n  files: [note.txt]\n")
    ws.path("apps/statetest/note.txt").write_text("from the build\n")
    ws.append("targets/statetest.yaml", "  data_disk: //apps/statetest:disk\n" + BOOT_TEST)
    ws.bfbuild("build", "//statetest:image", check=0)
    return ws


def _run(ws, *flags):
    proc = ws.bfbuild("run", "//statetest:image", *flags, "--", *SAVES, check=0, timeout=120)
    return proc.stdout.splitlines()


def test_a_record_saved_in_one_boot_is_loaded_in_the_next_and_read_on_the_host(built):
    ws = built
    data_disk = ws.path(DATA_DISK).read_bytes()
    first = _run(ws, "--state")
    assert f"bfbuild: state disk {STATE} made from the data disk {DATA_DISK}" in "\n".join(first)
    assert "state: CRASHT: no valid record (no record saved yet)" in first
    assert "statetest: files written" in first
    assert "state: CRASHT saved to slot 0, sequence 1, 12288 bytes" in first
    assert "state: CRASHT saved to slot 1, sequence 2, 12288 bytes" in first

    # bfbuild test --state boots on the same disk: the boot test expects the record boot 1 saved.
    proc = ws.bfbuild("test", "//statetest:test", "--state", check=0)
    assert f"bfbuild: state disk {STATE} (kept from earlier boots" in proc.stdout, proc.stdout
    assert "PASSED" in proc.stdout and "(cached)" not in proc.stdout, proc.stdout

    record = read_record(ws.path(STATE), "CRASHT")  # the host reads what the kernel wrote
    assert (record.slot, record.sequence) == (0, 3)
    assert record.payload == expected_payload(3)
    volume = Fat16.open(ws.path(STATE))
    assert volume.read("/STATE/NOTE.TXT") == b"written by the kernel\n"
    assert volume.read("/NOTE.TXT") == b"from the build\n"
    assert volume.read("/STATE/GROW.BIN") == bytes(i * 13 & 0xFF for i in range(700))
    many = volume.listdir("/STATE/MANY")  # 40 entries: the folder grew past its first cluster
    assert [e.name for e in many] == [f"F{i:02}.TXT" for i in range(40)]
    assert volume.read("/STATE/MANY/F39.TXT") == b"F39.TXT"
    assert volume.check() == []  # both FATs, chains and sizes as a FAT16 checker wants them
    assert ws.path(DATA_DISK).read_bytes() == data_disk  # the build output was never written


KILLS = 20
SAVED = re.compile(r"state: CRASHT saved to slot [01], sequence (\d+), 12288 bytes")


def _boot_until_killed(argv, delay):
    """Boots, waits `delay` seconds after the load's line, kills QEMU; the serial lines."""
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines, loaded = [], threading.Event()

    def pump():
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("statetest: files"):
                loaded.set()

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        loaded.wait(60)
        time.sleep(delay)
    finally:
        proc.kill()  # SIGKILL: a power loss, as far as the disk is concerned
        proc.wait()
        reader.join(10)
    return lines, proc.returncode


def _loaded(lines):
    """(sequence loaded, the other slot's state) from a boot's lines."""
    for line in lines:
        if line.startswith("state: CRASHT loaded"):
            sequence = int(line.split("sequence ")[1].split(",")[0])
            return sequence, line.split("(", 1)[1]
    raise AssertionError("no record loaded:\n" + "\n".join(lines))


def test_qemu_killed_during_saves_leaves_the_old_or_the_new_record(built):
    ws = built
    seed = int(os.environ.get("BF_STATE_SEED", random.randrange(1 << 32)))
    print(f"seed {seed} (BF_STATE_SEED={seed} repeats these kill points)")
    rng = random.Random(seed)
    if not ws.path(STATE).exists():
        _run(ws, "--state")
    argv = qemu_argv("qemu-system-i386", str(ws.path(IMAGE)), "qemu32", memory="64M",
                     extra=["-fw_cfg", "name=opt/bf/saves,string=0"],
                     data_disk=str(ws.path(DATA_DISK)))
    argv = with_state_disk(argv, str(ws.path(STATE)))
    last_saved = read_record(ws.path(STATE), "CRASHT").sequence
    torn = 0
    for kill in range(KILLS):
        delay = rng.uniform(0.0, 0.05)
        lines, status = _boot_until_killed(argv, delay)
        where = f"kill {kill} after {delay * 1000:.1f} ms (seed {seed}):\n" + "\n".join(lines[-8:])
        loaded, other = _loaded(lines)
        # The previous boot's last reported save, or the one it was making when killed.
        assert loaded in (last_saved, last_saved + 1), where
        assert f"statetest: record {loaded} whole" in lines, where
        assert status == -9, where  # it was still saving: it never stopped or crashed on its own
        torn += other.startswith("slot") and "torn" in other
        # Whole lines only: the kill may cut the last one short.
        saved = [int(m.group(1)) for m in map(SAVED.fullmatch, lines) if m]
        last_saved = saved[-1] if saved else loaded
    final = subprocess.run(argv[:-2] + ["-fw_cfg", "name=opt/bf/saves,string=1"],
                           capture_output=True, text=True, timeout=60)
    lines = final.stdout.splitlines()
    loaded, _ = _loaded(lines)
    assert loaded in (last_saved, last_saved + 1) and final.returncode == SUCCESS_STATUS, lines
    record = read_record(ws.path(STATE), "CRASHT")
    assert record.sequence == loaded + 1 and record.payload == expected_payload(loaded + 1)
    assert Fat16.open(ws.path(STATE)).check() == []  # saves in place changed no FAT or folder
    # The kills landed inside saves: some boots found the slot being written torn and skipped it.
    print(f"{torn} of {KILLS} kills tore the slot being written")
    assert torn >= 3, f"only {torn} of {KILLS} kills tore a slot (seed {seed})"
