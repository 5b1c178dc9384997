; The other processors' first instructions, and the local APIC's interrupt stubs.
;
; smp.c copies smp_trampoline_start..smp_trampoline_end to TRAMPOLINE_ADDR (below 1 MiB, 4 KiB
; aligned: a STARTUP IPI names the page, and the processor starts in real mode at CS = page * 256,
; IP = 0) and fills in the parameter block before each start. The code loads the boot
; processor's GDT, enters 32-bit protected mode with its code and data selectors, loads its IDT,
; takes the stack the block names and calls the block's C entry (smp_ap_main), which never
; returns.

cpu 486

TRAMPOLINE_ADDR     equ 0x9000          ; between stage 2 (ends 0x8E00) and the kernel (0x10000)

%define REAL(label) (label - smp_trampoline_start)                    ; CS = DS = 0x900
%define FLAT(label) (TRAMPOLINE_ADDR + label - smp_trampoline_start)  ; flat 32-bit address

section .rodata
align 16
global smp_trampoline_start
global smp_trampoline_end
global smp_trampoline_params

bits 16
smp_trampoline_start:
    cli
    cld
    mov ax, cs
    mov ds, ax
    o32 lgdt [REAL(p_gdt_limit)]
    mov eax, cr0
    or al, 1                            ; PE
    mov cr0, eax
    jmp dword far [REAL(p_pm_entry)]    ; 32-bit offset, then the code selector

bits 32
pm_entry:
    mov ax, [cs:FLAT(p_data_sel)]       ; DS still has its real-mode base 0x9000
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    lidt [FLAT(p_idt_limit)]
    mov esp, [FLAT(p_stack_top)]
    xor ebp, ebp                        ; ends frame-pointer walks
    call [FLAT(p_entry)]
.halt:
    cli
    hlt
    jmp .halt

; The parameter block; struct smp_boot_params in smp.c has the same layout.
align 4
smp_trampoline_params:
p_load_address: dd TRAMPOLINE_ADDR     ; where smp.c copies the trampoline
p_gdt_limit:    dw 0                   ; sgdt of the boot processor
p_gdt_base:     dd 0
p_idt_limit:    dw 0                   ; sidt of the boot processor
p_idt_base:     dd 0
p_pm_entry:     dd FLAT(pm_entry)      ; far pointer: offset ...
p_code_sel:     dw 0                   ; ... and the boot processor's CS
p_data_sel:     dw 0                   ; its DS
p_stack_top:    dd 0                   ; this processor's stack
p_entry:        dd 0                   ; void smp_ap_main(void)
smp_trampoline_end:

section .text
global smp_wakeup_stub
global smp_spurious_stub
extern lapic_eoi_register

; BF_APIC_WAKEUP_VECTOR: the wakeup IPI only ends a hlt; acknowledge it and return.
smp_wakeup_stub:
    push eax
    mov eax, [lapic_eoi_register]
    mov dword [eax], 0
    pop eax
    iretd

; BF_APIC_SPURIOUS_VECTOR: a spurious interrupt takes no end of interrupt.
smp_spurious_stub:
    iretd

section .note.GNU-stack noalloc noexec nowrite progbits
