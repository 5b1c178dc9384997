; Stage 1: the 512-byte MBR. Loads stage 2 from LBA 1 to 0x7E00 and jumps
; to it with the boot drive in DL. Everything clever lives in stage 2.

%include "layout.inc"

; NASM refuses any instruction a 386 lacks: the loader runs on every x86 that boots it.
cpu 386
bits 16
org STAGE1_ADDR

start:
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, REAL_MODE_STACK
    sti
    cld
    ; Some BIOSes enter at 07C0:0000; force CS=0 so org-based addresses work.
    jmp 0:.cs_ok
.cs_ok:
    mov [boot_drive], dl

    mov byte [tries], 3

    ; Prefer LBA extended reads; old BIOSes only have CHS.
    mov ah, 0x41
    mov bx, 0x55AA
    mov dl, [boot_drive]
    int 0x13
    jc .chs
    cmp bx, 0xAA55
    jne .chs
    test cx, 1                  ; bit 0: packet-based (AH=42h) access
    jz .chs

.ext_read:
    ; The BIOS may rewrite the count field on failure, so refill it per try.
    mov word [dap_count], STAGE2_SECTORS
    mov si, dap
    mov dl, [boot_drive]
    mov ah, 0x42
    int 0x13
    jnc .loaded
    call reset_or_fail
    jmp .ext_read

.chs:
    ; Cylinder 0, head 0, sectors 2..9: valid on any geometry with >= 9
    ; sectors per track (floppies have 18, hard disks 63).
    mov bx, STAGE2_ADDR
    mov ax, 0x0200 | STAGE2_SECTORS
    mov cx, 0x0002
    xor dh, dh
    mov dl, [boot_drive]
    int 0x13
    jnc .loaded
    call reset_or_fail
    jmp .chs

.loaded:
    mov dl, [boot_drive]
    jmp 0:STAGE2_ADDR

; Reset the disk between attempts; after the last attempt report and halt.
reset_or_fail:
    dec byte [tries]
    jz fail
    xor ah, ah
    mov dl, [boot_drive]
    int 0x13
    ret

fail:
    mov si, msg_fail
.print:
    lodsb
    test al, al
    jz .halt
    mov ah, 0x0E
    mov bx, 0x0007
    int 0x10
    jmp .print
.halt:
    cli
    hlt
    jmp .halt

msg_fail:   db "BFL1 error D1", 13, 10, 0

boot_drive: db 0
tries:      db 0

align 4
dap:
            db 0x10                 ; packet size
            db 0
dap_count:  dw STAGE2_SECTORS
            dw STAGE2_ADDR          ; offset
            dw 0                    ; segment
            dq STAGE2_LBA

; Leave the partition table area (446..509) empty so this stays a valid MBR.
times 446 - ($ - $$) db 0
times 510 - ($ - $$) db 0
dw 0xAA55
