#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Build the default emulated kernel image from arch_x86_emu/image/src/*.c.

The sources are compiled with gcc -O2 and kernel-like flags, each group (the kernel and
every module) is linked at its fixed address with ld, and the text bytes, the function
symbols and the reservation tables are read back from the linked ELF files.  Then the
boot-time text patching of 2.6.38 is replayed (mcount call sites and static-branch sites
become the 5-byte nop) and arch_x86_emu/image/default_image.c is written.

The committed default_image.c is the source of truth: the build never runs this script,
so every machine runs identical bytes.  Another compiler version may produce other bytes,
which is why --check (regenerate and compare) is a developer tool and not part of CI.

Usage:
    python3 tools/scripts/gen-image.py            # rewrite arch_x86_emu/image/default_image.c
    python3 tools/scripts/gen-image.py --check    # exit 1 and print a diff if it would change
"""

import argparse
import difflib
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC_DIR = ROOT / "arch_x86_emu" / "image" / "src"
OUTPUT = ROOT / "arch_x86_emu" / "image" / "default_image.c"
REGEN_COMMAND = "python3 tools/scripts/gen-image.py"

# Kernel-like code generation.  Jump tables are off (as retpoline-era kernels do) except in
# the one file whose purpose is an indirect jump.  No red zone, no SSE: kernel code.
# -fno-reorder-blocks-and-partition keeps each function in one piece (no foo.cold parts),
# as the gcc of 2010 did.
CFLAGS = [
    "-std=gnu11", "-O2", "-ffreestanding", "-fno-pic", "-fno-pie", "-mcmodel=kernel",
    "-mno-red-zone", "-mno-sse", "-mno-mmx", "-mno-sse2", "-mno-avx", "-mno-80387",
    "-fno-asynchronous-unwind-tables", "-fno-stack-protector", "-fcf-protection=none",
    "-fno-jump-tables", "-fno-reorder-blocks-and-partition", "-fno-common",
    "-Wall", "-Wextra", "-Werror",
]

# Per-file additions.  -pg with -mrecord-mcount is how traceable kernel code was built
# (call mcount + __mcount_loc); -fjump-tables turns f_switch into "jmp *table(,%reg,8)".
FILE_FLAGS = {
    "core_switch.c": ["-fjump-tables"],
    "core_traced.c": ["-pg", "-mrecord-mcount"],
}

KERNEL_TEXT = 0xFFFFFFFF81000000
KERNEL_INIT_TEXT = 0xFFFFFFFF81800000
KERNEL_DATA = 0xFFFFFFFF82000000
MODULE_AREA = 0xFFFFFFFFA0000000
MODULE_STRIDE = 0x100000
MODULE_INIT_OFFSET = 0x80000
MODULE_DATA_OFFSET = 0xC0000

# Link order decides the layout.  core_mem.c goes last so that the .fixup code, which the
# linker places after all .text, directly follows the function owning it (mod_b.c does the
# same by defining mod_b_copy last).
KERNEL_SOURCES = ["core_basic.c", "core_switch.c", "core_traced.c", "core_kprobes.c",
                  "core_mem.c", "core_init.c"]
MODULES = [("mod_a", ["mod_a.c"]), ("mod_b", ["mod_b.c"])]

# 2.6.38's kprobes_blacklist[] entries present in the image; the refused range of each is
# its kallsyms extent, as init_kprobes() computes it.
BLACKLIST = ["mcount", "native_get_debugreg"]

# The 5-byte nop that ftrace and jump labels write at boot.  arch_init_ideal_nop5() of
# 2.6.38 tries P6_NOP5 (0f 1f 44 00 00) first and falls back to this single-instruction
# nop; the image models a CPU that takes the fallback, because it is boostable, which
# makes the -EBUSY outcome of copy_optimized_instructions() reachable.  With P6_NOP5 the
# copy would always fail earlier with -EINVAL.
IDEAL_NOP5 = bytes([0x66, 0x66, 0x66, 0x66, 0x90])
JUMP_LABEL_INITIAL_NOP = bytes([0xE9, 0, 0, 0, 0])

REGION_KIND = {
    "core": "EMU_REGION_CORE_TEXT",
    "init": "EMU_REGION_INIT_TEXT",
    "module_core": "EMU_REGION_MODULE_CORE",
    "module_init": "EMU_REGION_MODULE_INIT",
}


class GenError(Exception):
    pass


# ---------------------------------------------------------------------------------------
# Minimal ELF64 little-endian reader: sections, their contents, the symbol table.

SHT_SYMTAB = 2
SHT_NOBITS = 8
SHF_EXECINSTR = 0x4
STT_FUNC = 2


class Elf:
    def __init__(self, path):
        self.data = Path(path).read_bytes()
        d = self.data
        if d[:4] != b"\x7fELF" or d[4] != 2 or d[5] != 1:
            raise GenError(f"{path}: not an ELF64 little-endian file")
        shoff, = struct.unpack_from("<Q", d, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", d, 0x3A)
        raw = []
        for i in range(shnum):
            raw.append(struct.unpack_from("<IIQQQQIIQQ", d, shoff + i * shentsize))
        names = raw[shstrndx]
        self.sections = []
        for (name, typ, flags, addr, off, size, link, info, align, entsize) in raw:
            self.sections.append({
                "name": self._str(names[4], name), "type": typ, "flags": flags,
                "addr": addr, "offset": off, "size": size, "link": link,
            })

    def _str(self, table_off, off):
        end = self.data.index(b"\0", table_off + off)
        return self.data[table_off + off:end].decode()

    def section(self, name):
        for s in self.sections:
            if s["name"] == name:
                return s
        return None

    def contents(self, name):
        s = self.section(name)
        if s is None or s["type"] == SHT_NOBITS:
            return b""
        return self.data[s["offset"]:s["offset"] + s["size"]]

    def symbols(self):
        for s in self.sections:
            if s["type"] != SHT_SYMTAB:
                continue
            strtab = self.sections[s["link"]]["offset"]
            for off in range(s["offset"], s["offset"] + s["size"], 24):
                name, info, _other, shndx, value, size = struct.unpack_from(
                    "<IBBHQQ", self.data, off)
                yield {"name": self._str(strtab, name), "type": info & 0xF,
                       "shndx": shndx, "value": value, "size": size}


def quads(blob):
    if len(blob) % 8:
        raise GenError("table section size is not a multiple of 8")
    return list(struct.unpack(f"<{len(blob) // 8}Q", blob))


# ---------------------------------------------------------------------------------------
# Build

LINKER_SCRIPT = """\
SECTIONS
{{
	. = {text:#x};
	.text : {{
		*(.text .text.*)
		*(.fixup)
		*(.exit.text)
{kprobes_text}	}} =0x90909090
	. = {init:#x};
	.init.text : {{ *(.init.text .init.text.*) }} =0x90909090
	. = {data:#x};
	.rodata : {{ *(.rodata .rodata.*) }}
	.data : {{ *(.data .data.*) }}
	__ex_table : {{ *(__ex_table) }}
	.smp_locks : {{ *(.smp_locks) }}
	__jump_table : {{ *(__jump_table) }}
	__mcount_loc : {{ *(__mcount_loc) }}
	.bss : {{ *(.bss .bss.*) }}
	/DISCARD/ : {{ *(.comment) *(.note .note.*) *(.eh_frame) }}
}}
"""

# Only the kernel has a .kprobes.text section; a module's text ends with its last function,
# as the module loader's core_text_size does.
KPROBES_TEXT = """\
		. = ALIGN(16);
		__kprobes_text_start = .;
		*(.kprobes.text)
		__kprobes_text_end = .;
"""


def run(cmd):
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if res.returncode != 0:
        raise GenError(f"{' '.join(cmd)} failed:\n{res.stderr}")
    return res.stdout


def compile_group(args, work, sources):
    objs = []
    for src in sources:
        obj = work / (Path(src).stem + ".o")
        run([args.cc] + CFLAGS + FILE_FLAGS.get(src, []) +
            ["-I", str(SRC_DIR), "-c", str(SRC_DIR / src), "-o", str(obj)])
        objs.append(str(obj))
    return objs


def link_group(args, work, name, objs, text, init, data, just_symbols=None):
    script = work / f"{name}.lds"
    kprobes = KPROBES_TEXT if just_symbols is None else ""
    script.write_text(LINKER_SCRIPT.format(text=text, init=init, data=data,
                                           kprobes_text=kprobes))
    out = work / f"{name}.elf"
    cmd = [args.ld, "-m", "elf_x86_64", "-static", "-nostdlib", "--build-id=none",
           "-z", "max-page-size=4096", "--no-warn-rwx-segments", "-T", str(script),
           "-o", str(out)] + objs
    if just_symbols:
        cmd += ["-R", str(just_symbols)]
    run(cmd)
    return out


class Group:
    """One linked unit (the kernel or a module) with its text regions and tables."""

    def __init__(self, name, elf_path, text, init, module):
        self.name = name
        self.module = module
        self.elf = Elf(elf_path)
        for s in self.elf.sections:
            if s["flags"] & SHF_EXECINSTR and s["name"] not in (".text", ".init.text"):
                raise GenError(f"{name}: unexpected code section {s['name']}")
        self.text = bytearray(self.elf.contents(".text"))
        self.init = bytearray(self.elf.contents(".init.text"))
        if self.text and self.elf.section(".text")["addr"] != text:
            raise GenError(f"{name}: .text not at {text:#x}")
        if self.init and self.elf.section(".init.text")["addr"] != init:
            raise GenError(f"{name}: .init.text not at {init:#x}")
        self.text_base = text
        self.init_base = init
        shndx = {i: s["name"] for i, s in enumerate(self.elf.sections)}
        self.funcs = []
        self.markers = {}
        for sym in self.elf.symbols():
            sec = shndx.get(sym["shndx"])
            if sym["name"].startswith("__kprobes_text_"):
                self.markers[sym["name"]] = sym["value"]
            if sec not in (".text", ".init.text"):
                continue
            if sym["type"] == STT_FUNC and sym["size"] > 0:
                self.funcs.append((sym["value"], sym["size"], sym["name"]))
        self.funcs.sort()
        ex = quads(self.elf.contents("__ex_table"))
        self.extable = sorted(ex[0::2])
        self.locks = sorted(quads(self.elf.contents(".smp_locks")))
        jl = quads(self.elf.contents("__jump_table"))
        self.jump_labels = sorted(jl[0::3])
        self.mcount_locs = sorted(quads(self.elf.contents("__mcount_loc")))

    def region_of(self, addr):
        if self.text_base <= addr < self.text_base + len(self.text):
            return self.text, self.text_base
        if self.init_base <= addr < self.init_base + len(self.init):
            return self.init, self.init_base
        raise GenError(f"{self.name}: {addr:#x} is not in its text")

    def patch(self, addr, expect, new, what):
        buf, base = self.region_of(addr)
        off = addr - base
        if expect is not None and not expect(bytes(buf[off:off + len(new)])):
            raise GenError(f"{self.name}: unexpected bytes at {what} site {addr:#x}")
        buf[off:off + len(new)] = new

    def boot_patch(self, mcount_addr):
        # ftrace_init(): every mcount call site becomes the ideal nop.
        for site in self.mcount_locs:
            def is_call_mcount(b, site=site):
                if b[0] != 0xE8:
                    return False
                rel, = struct.unpack("<i", b[1:5])
                return site + 5 + rel == mcount_addr
            self.patch(site, is_call_mcount, IDEAL_NOP5, "mcount")
        # jump_label_init(): the initial "jmp .+5" becomes the ideal nop.
        for site in self.jump_labels:
            self.patch(site, lambda b: b == JUMP_LABEL_INITIAL_NOP, IDEAL_NOP5, "jump label")


def build(args, work):
    kernel_objs = compile_group(args, work, KERNEL_SOURCES)
    kelf = link_group(args, work, "kernel", kernel_objs, KERNEL_TEXT, KERNEL_INIT_TEXT,
                      KERNEL_DATA)
    groups = [Group("kernel", kelf, KERNEL_TEXT, KERNEL_INIT_TEXT, None)]
    for k, (mod, sources) in enumerate(MODULES):
        base = MODULE_AREA + MODULE_STRIDE * k
        objs = compile_group(args, work, sources)
        melf = link_group(args, work, mod, objs, base, base + MODULE_INIT_OFFSET,
                          base + MODULE_DATA_OFFSET, just_symbols=kelf)
        groups.append(Group(mod, melf, base, base + MODULE_INIT_OFFSET, mod))
    return groups


# ---------------------------------------------------------------------------------------
# Image model


def make_image(groups):
    regions = []
    symbols = []
    modules = []
    for g in groups:
        parts = []
        if g.module is None:
            parts.append(("kernel.text", "core", g.text_base, g.text))
            parts.append(("kernel.init.text", "init", g.init_base, g.init))
        else:
            parts.append((f"{g.module}.text", "module_core", g.text_base, g.text))
            parts.append((f"{g.module}.init.text", "module_init", g.init_base, g.init))
        idx = {}
        for (rname, kind, base, buf) in parts:
            if not buf:
                raise GenError(f"{rname}: empty region")
            idx[kind] = len(regions)
            regions.append({"name": rname, "kind": kind, "module": g.module,
                            "base": base, "bytes": buf, "ident": rname.replace(".", "_")})
        if g.module is not None:
            modules.append((g.module, idx["module_core"], idx["module_init"]))
    # kallsyms extent: from a symbol to the next symbol of the same region, or to the end
    # of the region (kallsyms_lookup_size_offset() and the module variant both do this).
    for ri, r in enumerate(regions):
        lo, hi = r["base"], r["base"] + len(r["bytes"])
        funcs = sorted((a, s, n) for g in groups for (a, s, n) in g.funcs if lo <= a < hi)
        for i, (addr, size, name) in enumerate(funcs):
            nxt = funcs[i + 1][0] if i + 1 < len(funcs) else hi
            if nxt < addr + size:
                raise GenError(f"{name}: overlaps the next symbol")
            symbols.append({"name": name, "addr": addr, "size": nxt - addr,
                            "code_size": size, "region": ri})
    symbols.sort(key=lambda s: s["addr"])
    names = [s["name"] for s in symbols]
    dups = {n for n in names if names.count(n) > 1}
    if dups:
        raise GenError(f"duplicate symbol names: {sorted(dups)}")
    by_name = {s["name"]: s for s in symbols}

    def where(addr):
        for s in symbols:
            if s["addr"] <= addr < s["addr"] + s["size"]:
                return f"{s['name']}+{addr - s['addr']:#x}"
        return f"{addr:#x}"

    extable = sorted(a for g in groups for a in g.extable)
    kprobes_text = []
    kern = groups[0]
    start = kern.markers.get("__kprobes_text_start")
    end = kern.markers.get("__kprobes_text_end")
    if start is None or end is None or end <= start:
        raise GenError("no .kprobes.text in the kernel")
    kprobes_text.append((start, end, ".kprobes.text"))
    for name in BLACKLIST:
        s = by_name[name]
        kprobes_text.append((s["addr"], s["addr"] + s["size"], f"kprobes_blacklist: {name}"))
    kprobes_text.sort()
    alternatives = [(a, a + 1, f"lock prefix in {where(a)} (.smp_locks)")
                    for g in groups for a in g.locks]
    ftrace = [(a, a + 5, f"mcount call site in {where(a)}")
              for g in groups for a in g.mcount_locs]
    jump_label = [(a, a + 5, f"static branch in {where(a)}")
                  for g in groups for a in g.jump_labels]
    return {
        "regions": regions, "symbols": symbols, "modules": modules, "extable": extable,
        "kprobes_text": kprobes_text, "alternatives": sorted(alternatives),
        "ftrace": sorted(ftrace), "jump_label": sorted(jump_label),
    }


# ---------------------------------------------------------------------------------------
# Output


def c_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def tool_version(args):
    cc = run([args.cc, "--version"]).splitlines()[0].strip()
    ld = run([args.ld, "--version"]).splitlines()[0].strip()
    return cc, ld


def render(img, versions):
    out = []
    w = out.append
    w("// SPDX-License-Identifier: GPL-2.0-only")
    w("/*")
    w(" * The default emulated kernel image: text bytes, kallsyms and reservation tables.")
    w(" *")
    w(" * GENERATED FILE - do not edit.  Regenerate with:")
    w(f" *\t{REGEN_COMMAND}")
    w(" * from the sources in arch_x86_emu/image/src (see docs/kernel-image.md).  Produced with")
    w(f" *\t{versions[0]}")
    w(f" *\t{versions[1]}")
    w(" * Another toolchain may produce other bytes; this file, not the sources, is what")
    w(" * kpsim runs.")
    w(" */")
    w('#include "arch_x86_emu/image.h"')
    w("")
    for r in img["regions"]:
        data = r["bytes"]
        w(f"/* {r['name']}: {r['base']:#x} .. {r['base'] + len(data):#x} */")
        w(f"static const uint8_t {r['ident']}[{len(data)}] = {{")
        for i in range(0, len(data), 12):
            chunk = ", ".join(f"0x{b:02x}" for b in data[i:i + 12])
            w(f"\t{chunk},")
        w("};")
        w("")
    w("static const EmuImageRegion regions[] = {")
    for r in img["regions"]:
        mod = c_string(r["module"]) if r["module"] else "NULL"
        w(f"\t{{ {c_string(r['name'])}, {REGION_KIND[r['kind']]}, {mod}, "
          f"{r['base']:#x}ull, {len(r['bytes'])}, {r['ident']} }},")
    w("};")
    w("")
    w("/* Sorted by address; size = kallsyms extent, code_size = the compiler's size. */")
    w("static const EmuSymbol symbols[] = {")
    for s in img["symbols"]:
        w(f"\t{{ {c_string(s['name'])}, {s['addr']:#x}ull, {s['size']}, "
          f"{s['code_size']}, {s['region']} }},")
    w("};")
    w("")
    w("static const EmuModuleImage modules[] = {")
    for (name, core, init) in img["modules"]:
        w(f"\t{{ {c_string(name)}, {core}, {init} }},")
    w("};")
    w("")
    w("/* Instructions with an exception-table entry (__ex_table). */")
    w("static const uint64_t extable[] = {")
    for a in img["extable"]:
        w(f"\t{a:#x}ull,")
    w("};")
    for key, comment in (("kprobes_text", ".kprobes.text and the kprobes blacklist"),
                         ("alternatives", "lock prefixes recorded for SMP alternatives"),
                         ("ftrace", "ftrace call sites (5 bytes each)"),
                         ("jump_label", "jump-label sites (5 bytes each)")):
        w("")
        w(f"/* [lo, hi): {comment}. */")
        w(f"static const EmuRange {key}[] = {{")
        for (lo, hi, why) in img[key]:
            w(f"\t{{ {lo:#x}ull, {hi:#x}ull, {c_string(why)} }},")
        w("};")
    w("")
    w("#define N(a) (sizeof(a) / sizeof((a)[0]))")
    w("")
    w("static const EmuImage default_image = {")
    for key in ("regions", "symbols", "modules", "extable", "kprobes_text",
                "alternatives", "ftrace", "jump_label"):
        w(f"\t.{key} = {key},")
        w(f"\t.n_{key} = N({key}),")
    w("};")
    w("")
    w("const EmuImage *emu_default_image(void)")
    w("{")
    w("\treturn &default_image;")
    w("}")
    return "\n".join(out) + "\n"


def generate(args):
    with tempfile.TemporaryDirectory(prefix="kpsim-image-") as tmp:
        work = Path(args.keep) if args.keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        groups = build(args, work)
        mcount = [a for (a, _s, n) in groups[0].funcs if n == "mcount"]
        if len(mcount) != 1:
            raise GenError("the kernel must define mcount exactly once")
        for g in groups:
            g.boot_patch(mcount[0])
        return render(make_image(groups), tool_version(args))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true",
                    help="regenerate into memory and compare with the committed file")
    ap.add_argument("--output", default=str(OUTPUT), help="file to write")
    ap.add_argument("--cc", default="gcc", help="C compiler (gcc)")
    ap.add_argument("--ld", default="ld", help="GNU ld")
    ap.add_argument("--keep", metavar="DIR", help="keep objects, ELF files, scripts in DIR")
    args = ap.parse_args()
    try:
        text = generate(args)
    except GenError as e:
        print(f"gen-image: {e}", file=sys.stderr)
        return 2
    out = Path(args.output)
    if args.check:
        old = out.read_text() if out.exists() else ""
        if old == text:
            print(f"gen-image: {out.name} is up to date")
            return 0
        sys.stdout.writelines(difflib.unified_diff(
            old.splitlines(True), text.splitlines(True),
            fromfile=f"{out.name} (committed)", tofile=f"{out.name} (regenerated)"))
        return 1
    out.write_text(text)
    print(f"gen-image: wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
