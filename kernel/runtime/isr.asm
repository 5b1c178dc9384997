; Interrupt entry stubs: CPU exceptions 0-31 and PIC IRQs 0-15 (vectors 0x20-0x2F).
;
; Every stub makes the stack look the same (struct bf_interrupt_frame in bf/idt.h): the vector
; and an error code (0 where the CPU pushes none) above the CPU's EIP, CS, EFLAGS, then pushad,
; and passes a pointer to it to C.

; Built, like the runtime library, for the 486 (docs/cpus.md): an exception during bring-up or
; in the CPU gate must still be reported on the oldest CPU.
cpu 486
bits 32

IRQ_VECTOR_BASE     equ 0x20        ; keep in sync with IDT_IRQ_BASE in bf/idt.h

extern exception_handler
extern irq_dispatch

section .text

; Exceptions where the CPU pushes no error code: push a 0 so the frame has one slot for it.
%macro EXCEPTION_NOERR 1
exception_stub_%1:
    push dword 0
    push dword %1
    jmp exception_common
%endmacro

%macro EXCEPTION_ERR 1
exception_stub_%1:
    push dword %1
    jmp exception_common
%endmacro

%macro IRQ_STUB 1
irq_stub_%1:
    push dword 0
    push dword IRQ_VECTOR_BASE + %1
    jmp irq_common
%endmacro

; The vectors with an error code: 8, 10-14, 17, 21, 29, 30 (Intel SDM vol. 3, table 6-1).
EXCEPTION_NOERR 0
EXCEPTION_NOERR 1
EXCEPTION_NOERR 2
EXCEPTION_NOERR 3
EXCEPTION_NOERR 4
EXCEPTION_NOERR 5
EXCEPTION_NOERR 6
EXCEPTION_NOERR 7
EXCEPTION_ERR   8
EXCEPTION_NOERR 9
EXCEPTION_ERR   10
EXCEPTION_ERR   11
EXCEPTION_ERR   12
EXCEPTION_ERR   13
EXCEPTION_ERR   14
EXCEPTION_NOERR 15
EXCEPTION_NOERR 16
EXCEPTION_ERR   17
EXCEPTION_NOERR 18
EXCEPTION_NOERR 19
EXCEPTION_NOERR 20
EXCEPTION_ERR   21
EXCEPTION_NOERR 22
EXCEPTION_NOERR 23
EXCEPTION_NOERR 24
EXCEPTION_NOERR 25
EXCEPTION_NOERR 26
EXCEPTION_NOERR 27
EXCEPTION_NOERR 28
EXCEPTION_ERR   29
EXCEPTION_ERR   30
EXCEPTION_NOERR 31

%assign i 0
%rep 16
IRQ_STUB i
%assign i i + 1
%endrep

; Exceptions are fatal here: the handler reports and exits, so there is no way back.
exception_common:
    pushad
    cld
    push esp                        ; struct bf_interrupt_frame *
    call exception_handler
.halt:
    cli
    hlt
    jmp .halt

; IRQ handlers may clobber only what the C calling convention allows; pushad saves the rest.
; They must not use the x87, whose state is not saved here.
irq_common:
    pushad
    cld
    push esp
    call irq_dispatch
    add esp, 4
    popad
    add esp, 8                      ; vector and error code
    iretd

section .rodata
align 4
global isr_stub_table
isr_stub_table:
%assign i 0
%rep 32
    dd exception_stub_ %+ i
%assign i i + 1
%endrep
%assign i 0
%rep 16
    dd irq_stub_ %+ i
%assign i i + 1
%endrep

; Mark the stack non-executable so GNU ld does not warn about this object.
section .note.GNU-stack noalloc noexec nowrite progbits
