; Kernel header and 32-bit entry point.
;
; Stage 2 reads the header from the first sector of the kernel image, loads
; the whole image to its link address and jumps to the entry in 32-bit
; protected mode with flat segments and ESP = 0x90000.
;
; Header layout (all u32, little endian):
;   0  magic 0x464C5544
;   4  kernel file size in 512-byte sectors (rounded up)
;   8  entry point (absolute address)
;  12  kernel file size in bytes
;  16  end of .bss (absolute address)
;  20  header version (1)

; Everything that runs before the CPU gate has passed is built for the 486 (docs/cpus.md): NASM
; refuses any instruction a 486 lacks here, as -march=i486 does for the runtime library.
cpu 486
bits 32

KERNEL_MAGIC        equ 0x464C5544
HEADER_VERSION      equ 1
STACK_TOP           equ 0x90000
BF_EXIT_SUCCESS     equ 0x10        ; keep in sync with include/bf/exit.h

; Defined by the linker script.
extern __kernel_sectors
extern __kernel_file_size
extern __bss_start
extern __bss_end

extern kmain
extern bf_sampler_start
extern bf_runtime_init
extern bf_exit

section .header progbits alloc noexec nowrite align=4
global __kernel_header
__kernel_header:
    dd KERNEL_MAGIC
    dd __kernel_sectors
    dd _start
    ; NASM cannot subtract two external symbols, so the linker script
    ; provides __kernel_file_size = __kernel_file_end - __kernel_start.
    dd __kernel_file_size
    dd __bss_end
    dd HEADER_VERSION

section .text
global _start
_start:
    cli
    cld
    mov esp, STACK_TOP
    xor ebp, ebp                    ; terminates frame-pointer backtraces

    ; The loader does not know about .bss; zero it before any C code runs.
    mov edi, __bss_start
    mov ecx, __bss_end
    sub ecx, edi
    xor eax, eax
    rep stosb

    mov esp, STACK_TOP
    ; The runtime library (built for the 486) brings every subsystem up, the CPU gate among
    ; them, before any code built for the configuration's CPU runs: kmain is the first.
    call bf_runtime_init
    call bf_sampler_start           ; nothing unless the kernel links //kernel:sampling
    call kmain

    push BF_EXIT_SUCCESS
    call bf_exit
.halt:
    cli
    hlt
    jmp .halt

; Mark the stack non-executable so GNU ld does not warn about this object.
section .note.GNU-stack noalloc noexec nowrite progbits
