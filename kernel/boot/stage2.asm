; Stage 2: loaded by stage 1 at 0x7E00 with the boot drive in DL.
; Checks the disk, enables A20, loads the kernel image to 0x10000, switches
; to 32-bit protected mode and jumps to the entry point from the kernel
; header. Progress and errors go to both the screen and COM1 so automated
; tests can read them from the serial port.
;
; Error codes ("BFL2 error XX"):
;   D0  INT 13h extensions missing     A2  A20 could not be enabled
;   D1  disk read failed               51  bad kernel magic
;   E0  kernel sector count is 0       D2  kernel larger than KERNEL_MAX_SECTORS
;   E1  entry point outside the loaded kernel image

%include "layout.inc"

; NASM refuses any instruction a 386 lacks: the loader runs on every x86 that boots it.
cpu 386
bits 16
org STAGE2_ADDR

MAX_CHUNK       equ 64          ; sectors per read: 32 KiB, safe for all BIOSes
READ_ATTEMPTS   equ 4           ; first try plus 3 retries

; Kernel header fields (see kernel/runtime/entry.asm).
KHDR_MAGIC      equ 0
KHDR_SECTORS    equ 4
KHDR_ENTRY      equ 8

stage2_start:
    jmp short main                      ; offset 0
    dw 0                                ; offset 2

; Offset 4: read by the build tool to place the kernel on the disk image.
loader_info:
    db 'BFL2'                           ; offset 4
    dw KERNEL_LBA                       ; offset 8
    dw KERNEL_MAX_SECTORS               ; offset 10
    dd KERNEL_LOAD_PHYS                 ; offset 12
loader_info_end:

; Assembly-time checks: a negative TIMES count is an error in NASM.
times -((loader_info - stage2_start) != 4) db 0
times -((loader_info_end - loader_info) != 12) db 0
times -(KERNEL_LBA != STAGE2_LBA + STAGE2_SECTORS) db 0
times -(KERNEL_LOAD_SEG + KERNEL_MAX_SECTORS * (SECTOR_SIZE / 16) > (KERNEL_LIMIT_PHYS >> 4)) db 0

main:
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, REAL_MODE_STACK
    sti
    cld
    mov [boot_drive], dl

    call serial_init
    mov si, msg_start
    call puts
    mov al, [boot_drive]
    call put_hex8
    call put_nl

    ; --- INT 13h extensions -------------------------------------------------
    mov ah, 0x41
    mov bx, 0x55AA
    mov dl, [boot_drive]
    int 0x13
    jc .no_ext
    cmp bx, 0xAA55
    jne .no_ext
    test cx, 1                          ; packet (AH=42h) interface present
    jnz .ext_ok
.no_ext:
    mov al, 0xD0
    jmp fatal
.ext_ok:

    ; --- A20 ------------------------------------------------------------------
    call enable_a20
    jnc .a20_ok
    mov al, 0xA2
    jmp fatal
.a20_ok:
    push si                             ; method name from enable_a20
    mov si, msg_a20
    call puts
    pop si
    call puts
    call put_nl

    ; --- kernel header ------------------------------------------------------
    mov eax, KERNEL_LBA
    mov bx, KERNEL_LOAD_SEG
    mov cx, 1
    call disk_read
    jnc .hdr_read
    mov al, 0xD1
    jmp fatal
.hdr_read:
    push es
    mov ax, KERNEL_LOAD_SEG
    mov es, ax
    mov eax, [es:KHDR_MAGIC]
    mov ecx, [es:KHDR_SECTORS]
    mov edx, [es:KHDR_ENTRY]
    pop es
    cmp eax, KERNEL_MAGIC
    je .magic_ok
    mov al, 0x51
    jmp fatal
.magic_ok:
    test ecx, ecx
    jnz .count_ok
    mov al, 0xE0
    jmp fatal
.count_ok:
    cmp ecx, KERNEL_MAX_SECTORS
    jbe .size_ok
    mov al, 0xD2
    jmp fatal
.size_ok:
    ; The entry must lie inside the bytes we are about to load.
    mov eax, ecx
    shl eax, 9
    add eax, KERNEL_LOAD_PHYS
    cmp edx, KERNEL_LOAD_PHYS
    jb .bad_entry
    cmp edx, eax
    jb .entry_ok
.bad_entry:
    mov al, 0xE1
    jmp fatal
.entry_ok:
    mov [kernel_sectors], cx
    mov [kernel_entry], edx

    mov si, msg_loading
    call puts
    movzx eax, word [kernel_sectors]
    call put_dec
    mov si, msg_sectors
    call puts

    ; --- kernel image -------------------------------------------------------
    ; Every chunk starts at offset 0 of a fresh segment, so a 32 KiB read can
    ; never wrap the 16-bit offset.
    mov dword [cur_lba], KERNEL_LBA
    mov word [cur_seg], KERNEL_LOAD_SEG
    mov ax, [kernel_sectors]
    mov [remaining], ax
.load_loop:
    mov cx, [remaining]
    test cx, cx
    jz .loaded
    cmp cx, MAX_CHUNK
    jbe .chunk
    mov cx, MAX_CHUNK
.chunk:
    mov eax, [cur_lba]
    mov bx, [cur_seg]
    call disk_read
    jnc .chunk_ok
    mov al, 0xD1
    jmp fatal
.chunk_ok:
    movzx ecx, cx
    add [cur_lba], ecx
    sub [remaining], cx
    shl cx, 5                           ; sectors -> paragraphs (512 / 16)
    add [cur_seg], cx
    jmp .load_loop
.loaded:

    mov si, msg_entry
    call puts
    mov eax, [kernel_entry]
    call put_hex32
    call put_nl

    ; --- protected mode -----------------------------------------------------
    cli
    lgdt [gdt_desc]
    mov eax, cr0
    or eax, 1
    mov cr0, eax
    jmp dword CODE_SEL:pm_entry         ; far jump reloads CS with a 32-bit segment

bits 32
pm_entry:
    mov ax, DATA_SEL
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov esp, STACK_TOP
    jmp [kernel_entry]

bits 16

; ---------------------------------------------------------------------------
; fatal: AL = error code. Prints "BFL2 error XX" and halts for good.
fatal:
    push ax
    mov si, msg_error
    call puts
    pop ax
    call put_hex8
    call put_nl
.halt:
    cli
    hlt
    jmp .halt

; ---------------------------------------------------------------------------
; disk_read: EAX = LBA, CX = sector count (1..MAX_CHUNK), BX = destination
; segment (offset 0). Returns CF=1 on failure. Preserves all registers.
disk_read:
    pushad
    mov [dap_lba], eax
    mov dword [dap_lba + 4], 0
    mov word [dap_offset], 0
    mov [dap_segment], bx
    mov bp, cx                          ; the BIOS may clobber CX
    mov di, READ_ATTEMPTS
.try:
    mov [dap_count], bp                 ; a failed read may rewrite the count
    mov si, dap
    mov dl, [boot_drive]
    mov ah, 0x42
    int 0x13
    jc .retry
    cmp [dap_count], bp                 ; a short read is a failure too
    je .done
.retry:
    dec di
    jz .fail
    xor ah, ah                          ; reset the controller before retrying
    mov dl, [boot_drive]
    int 0x13
    jmp .try
.fail:
    stc
    popad                               ; POPAD leaves flags alone
    ret
.done:
    clc
    popad
    ret

; ---------------------------------------------------------------------------
; enable_a20: CF=0 and SI = method name on success, CF=1 on failure.
enable_a20:
    mov si, a20_already
    call a20_check
    jnc .ok

    mov ax, 0x2401                      ; BIOS
    int 0x15
    mov si, a20_bios
    call a20_wait
    jnc .ok

    call a20_kbc                        ; keyboard controller output port
    mov si, a20_kbc_name
    call a20_wait
    jnc .ok

    in al, 0x92                         ; "fast A20" system control port
    test al, 2
    jnz .fast_set
    or al, 2
    and al, 0xFE                        ; bit 0 would reset the machine
    out 0x92, al
.fast_set:
    mov si, a20_fast
    call a20_wait
    jnc .ok
    stc
    ret
.ok:
    clc
    ret

; a20_wait: the keyboard controller can take a while; poll a20_check.
a20_wait:
    push cx
    mov cx, 0x4000
.again:
    call a20_check
    jnc .done
    out 0x80, al                        ; ~1 us delay
    loop .again
    stc
.done:
    pop cx
    ret

; a20_check: CF=0 if A20 is on. With A20 off, FFFF:0510 aliases 0000:0500.
a20_check:
    pushad
    push ds
    push es
    xor ax, ax
    mov ds, ax
    dec ax
    mov es, ax
    mov si, 0x0500
    mov di, 0x0510
    mov al, [ds:si]
    mov ah, [es:di]
    push ax
    mov byte [ds:si], 0x00
    mov byte [es:di], 0xFF
    cmp byte [ds:si], 0xFF              ; changed through the alias -> wraps
    pop ax
    mov [es:di], ah                     ; restore in reverse order so an
    mov [ds:si], al                     ; aliased byte gets its own value back
    pop es
    pop ds
    je .off
    popad
    clc
    ret
.off:
    popad
    stc
    ret

; a20_kbc: set bit 1 of the 8042 output port (read-modify-write).
a20_kbc:
    cli
    call kbc_wait_in
    mov al, 0xAD                        ; disable keyboard
    out 0x64, al
    call kbc_wait_in
    mov al, 0xD0                        ; read output port
    out 0x64, al
    call kbc_wait_out
    in al, 0x60
    push ax
    call kbc_wait_in
    mov al, 0xD1                        ; write output port
    out 0x64, al
    call kbc_wait_in
    pop ax
    or al, 2
    out 0x60, al
    call kbc_wait_in
    mov al, 0xAE                        ; enable keyboard
    out 0x64, al
    call kbc_wait_in
    sti
    ret

; Bounded waits so a missing controller cannot hang the boot.
kbc_wait_in:                            ; input buffer empty
    push cx
    push ax
    mov cx, 0xFFFF
.l: in al, 0x64
    test al, 2
    jz .d
    loop .l
.d: pop ax
    pop cx
    ret

kbc_wait_out:                           ; output buffer full
    push cx
    push ax
    mov cx, 0xFFFF
.l: in al, 0x64
    test al, 1
    jnz .d
    loop .l
.d: pop ax
    pop cx
    ret

; ---------------------------------------------------------------------------
; Output: every character goes to COM1 and to the BIOS teletype.

serial_init:
    pusha
    mov dx, COM1_BASE + 1
    xor al, al
    out dx, al                          ; IER: no interrupts
    mov dx, COM1_BASE + 3
    mov al, 0x80
    out dx, al                          ; LCR: DLAB on
    mov dx, COM1_BASE + 0
    mov al, 1
    out dx, al                          ; divisor 1 = 115200 baud
    mov dx, COM1_BASE + 1
    xor al, al
    out dx, al
    mov dx, COM1_BASE + 3
    mov al, 0x03
    out dx, al                          ; LCR: 8N1, DLAB off
    mov dx, COM1_BASE + 2
    mov al, 0xC7
    out dx, al                          ; FCR: enable and clear FIFOs
    mov dx, COM1_BASE + 4
    mov al, 0x03
    out dx, al                          ; MCR: DTR | RTS
    popa
    ret

; serial_putc: AL = byte. Gives up waiting eventually (no UART present).
serial_putc:
    push ax
    push cx
    push dx
    mov ah, al
    mov dx, COM1_BASE + 5
    mov cx, 0xFFFF
.wait:
    in al, dx
    test al, 0x20                       ; LSR bit 5: transmit holding empty
    jnz .ready
    loop .wait
.ready:
    mov al, ah
    mov dx, COM1_BASE
    out dx, al
    pop dx
    pop cx
    pop ax
    ret

; putc: AL = character; "\n" becomes "\r\n". Preserves all registers.
putc:
    pusha
    cmp al, 10
    jne .raw
    mov al, 13
    call putc_raw
    mov al, 10
.raw:
    call putc_raw
    popa
    ret

putc_raw:
    pusha                               ; INT 10h may clobber registers
    call serial_putc
    mov ah, 0x0E
    mov bx, 0x0007
    int 0x10
    popa
    ret

; puts: DS:SI = NUL-terminated string. Preserves all registers.
puts:
    pusha
.next:
    lodsb
    test al, al
    jz .done
    call putc
    jmp .next
.done:
    popa
    ret

put_nl:
    push ax
    mov al, 10
    call putc
    pop ax
    ret

; put_hex8: AL as two hex digits.
put_hex8:
    push ax
    shr al, 4
    call put_nibble
    pop ax
    push ax
    call put_nibble
    pop ax
    ret

put_nibble:
    and al, 0x0F
    add al, '0'
    cmp al, '9'
    jbe .out
    add al, 'A' - '9' - 1
.out:
    jmp putc

; put_hex32: EAX as "0x" and eight hex digits.
put_hex32:
    pushad
    mov ebx, eax
    mov al, '0'
    call putc
    mov al, 'x'
    call putc
    mov cx, 4
.byte:
    rol ebx, 8
    mov al, bl
    call put_hex8
    loop .byte
    popad
    ret

; put_dec: EAX as unsigned decimal.
put_dec:
    pushad
    mov ebx, 10
    xor cx, cx
.div:
    xor edx, edx
    div ebx
    push dx
    inc cx
    test eax, eax
    jnz .div
.emit:
    pop ax
    add al, '0'
    call putc
    loop .emit
    popad
    ret

; ---------------------------------------------------------------------------
; Data

msg_start:      db "stage2: BFL2 loader, boot drive 0x", 0
msg_a20:        db "stage2: A20 enabled (", 0
a20_already:    db "already on)", 0
a20_bios:       db "BIOS)", 0
a20_kbc_name:   db "keyboard controller)", 0
a20_fast:       db "port 0x92)", 0
msg_loading:    db "stage2: loading ", 0
msg_sectors:    db " sectors", 10, 0
msg_entry:      db "stage2: jumping to kernel entry ", 0
msg_error:      db "BFL2 error ", 0

boot_drive:     db 0
kernel_sectors: dw 0
remaining:      dw 0
cur_seg:        dw 0
cur_lba:        dd 0
kernel_entry:   dd 0

align 4
dap:
                db 0x10                 ; packet size
                db 0
dap_count:      dw 0
dap_offset:     dw 0
dap_segment:    dw 0
dap_lba:        dq 0

CODE_SEL        equ gdt_code - gdt
DATA_SEL        equ gdt_data - gdt

; Flat 4 GiB segments: base 0, limit 0xFFFFF pages, 32-bit, ring 0.
align 8
gdt:
                dq 0
gdt_code:       dw 0xFFFF, 0x0000
                db 0x00, 0x9A, 0xCF, 0x00   ; present, code, exec/read
gdt_data:       dw 0xFFFF, 0x0000
                db 0x00, 0x92, 0xCF, 0x00   ; present, data, read/write
gdt_end:

gdt_desc:
                dw gdt_end - gdt - 1
                dd gdt

; Fails to assemble (negative TIMES) if stage 2 outgrows its sectors.
times STAGE2_SECTORS * SECTOR_SIZE - ($ - $$) db 0
