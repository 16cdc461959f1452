# SPDX-License-Identifier: GPL-2.0-only
"""kpsim-fuzz, the simulator under libFuzzer and AFL++ (docs/fuzzing.md): both built from
the source tree in build directories of their own, each run briefly on the seed corpus
(scenarios/), a planted crash of each form aborts with a .kps written, and
`kpsim fuzz --decode` of a crash input gives a file that replays with the same signature.

The nested builds take most of the time.  KPSIM_FUZZ_LIBFUZZER and KPSIM_FUZZ_AFL may name
kpsim-fuzz binaries built already (-Dfuzzing=libfuzzer, -Dfuzzing=afl) to skip them."""
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = os.environ.get("KPSIM_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.path.join(ROOT, "tests", "data", "fuzzing")
DICT = os.path.join(ROOT, "tools", "fuzzing", "kpsim.dict")
ALLOW = os.path.join(ROOT, "scenarios", "known-defects-6274de4.allow")
TEXT_CRASH = os.path.join(DATA, "crash-text-A5.kps")
BINARY_CRASH = os.path.join(DATA, "crash-binary-A9-EILSEQ")
ENGINES = {"libfuzzer": ("clang", "KPSIM_FUZZ_LIBFUZZER"),
           "afl": ("afl-clang-fast", "KPSIM_FUZZ_AFL")}


@pytest.fixture(scope="module")
def binaries(tmp_path_factory):
    """{engine: kpsim-fuzz}: both built side by side (unoptimized, no tests, no sanitizer)."""
    out, procs = {}, {}
    for engine, (cc, var) in ENGINES.items():
        if os.environ.get(var):
            out[engine] = os.environ[var]
            continue
        root = os.environ.get("KPSIM_FUZZ_BUILD_ROOT")
        build = os.path.dirname(os.path.dirname(os.path.abspath(os.environ.get("KPSIM", "."))))
        if not root and os.path.exists(os.path.join(build, "build.ninja")):
            root = os.path.join(build, "tests", "fuzz-engines")
        if root:
            # meson test's: kept between runs, so that a second run rebuilds only changes.
            d = Path(root) / engine
            d.parent.mkdir(parents=True, exist_ok=True)
        else:
            d = tmp_path_factory.mktemp("build-" + engine)
        env = dict(os.environ, CC=cc, AFL_QUIET="1")
        if not (d / "build.ninja").exists():
            shutil.rmtree(d, ignore_errors=True)  # a setup that did not finish
            # Unoptimized: the test runs a few thousand inputs, and an optimizing build
            # of every port and variant would take three times as long as it saves.
            setup = subprocess.run(["meson", "setup", str(d), ROOT, "-Dbuildtype=plain",
                                    "-Dfuzzing=" + engine, "-Dtests=disabled"],
                                   capture_output=True, text=True, env=env, timeout=300)
            assert setup.returncode == 0, setup.stdout + setup.stderr
        procs[engine] = subprocess.Popen(["ninja", "-C", str(d), "tools/fuzzing/kpsim-fuzz"],
                                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                         text=True, env=env)
        out[engine] = str(d / "tools" / "fuzzing" / "kpsim-fuzz")
    for engine, p in procs.items():
        log, _ = p.communicate(timeout=600)
        assert p.returncode == 0, log[-3000:]
    return out


def fuzz_env(tmp_path, allow=True):
    env = dict(os.environ, KPSIM_FUZZ_OUT=str(tmp_path / "found"))
    env.pop("KPSIM_FUZZ_ALLOW", None)
    env.pop("KPSIM_FUZZ_ALLOW_FILE", None)
    if allow:
        env["KPSIM_FUZZ_ALLOW_FILE"] = ALLOW
    return env


def seeds(tmp_path, max_bytes):
    """The seed corpus: the corpus scenarios (text form), the small ones."""
    d = tmp_path / "seeds"
    d.mkdir()
    for base, _, files in os.walk(os.path.join(ROOT, "scenarios")):
        for f in files:
            p = os.path.join(base, f)
            if f.endswith(".kps") and os.path.getsize(p) <= max_bytes:
                shutil.copy(p, d / (os.path.relpath(p, ROOT).replace("/", "_")))
    return d


def signature_of(text):
    m = re.search(r"^# Signature: (.*)$", text, re.M)
    assert m, text
    return m.group(1)


def check_decodes(kpsim, tmp_path, crash_input, signature, allow=False):
    """decode gives a file that replays, runs and minimizes with `signature`."""
    out = tmp_path / "decoded.kps"
    args = ["fuzz", "--decode", str(crash_input), "--out", str(out)]
    if allow:
        args += ["--allow-file", ALLOW]
    dec = kpsim(*args, check=1)
    assert dec.stderr.strip() == f"signature: {signature}"
    text = out.read_text()
    assert signature_of(text) == signature
    assert re.search(r"^schedule S1:", text, re.M)
    kpsim("replay", str(out), check=1)
    kpsim("run", str(out), check=1)
    again = kpsim("minimize", str(out), "--out", str(tmp_path / "small.kps"), check=0)
    assert again.stdout.splitlines()[0].endswith(": " + signature), again.stdout
    kpsim("replay", str(tmp_path / "small.kps"), check=1)
    return text


@pytest.mark.parametrize("engine", sorted(ENGINES))
@pytest.mark.parametrize("planted", [TEXT_CRASH, BINARY_CRASH], ids=["text", "binary"])
def test_planted_crash(kpsim, binaries, engine, planted, tmp_path):
    """A violation nobody allows aborts with the scenario printed and written."""
    proc = subprocess.run([binaries[engine], planted], capture_output=True, text=True,
                          env=fuzz_env(tmp_path, allow=False), timeout=120)
    assert proc.returncode != 0, proc.stderr
    m = re.search(r"^==kpsim-fuzz== (violation .*)$", proc.stderr, re.M)
    assert m, proc.stderr
    sig = m.group(1)
    assert re.search(r"^==kpsim-fuzz== schedule S1:", proc.stderr, re.M)
    written = list((tmp_path / "found").glob("kpsim-fuzz-*.kps"))
    assert len(written) == 1
    found = written[0].read_text()
    assert signature_of(found) == sig
    if planted == TEXT_CRASH:
        assert sig.startswith("violation A5 (checker) [debugfs write")
    decoded = check_decodes(kpsim, tmp_path, planted, sig)
    # The harness's file and the decoded one differ only in their first comment line.
    assert found.split("\n", 1)[1] == decoded.split("\n", 1)[1]


def test_allowed_is_no_crash(binaries, tmp_path):
    """The same A5 under the known-defects allow file is no crash."""
    env = fuzz_env(tmp_path)
    env["KPSIM_FUZZ_ALLOW"] = "A9"
    for engine in sorted(ENGINES):
        for planted in (TEXT_CRASH, BINARY_CRASH):
            proc = subprocess.run([binaries[engine], planted], capture_output=True,
                                  text=True, env=env, timeout=120)
            assert proc.returncode == 0, (engine, planted, proc.stderr)


def test_libfuzzer_runs(kpsim, binaries, tmp_path):
    """libFuzzer on the seed corpus with the dictionary: the corpus loads without a crash;
    whatever it finds in its runs decodes to the same signature."""
    corpus = seeds(tmp_path, 4096)
    proc = subprocess.run([binaries["libfuzzer"], "-runs=400", "-seed=1", "-max_len=4096",
                           "-dict=" + DICT, "-print_final_stats=1", str(corpus)],
                          capture_output=True, text=True, env=fuzz_env(tmp_path),
                          cwd=tmp_path, timeout=300)
    assert re.search(r"INITED cov: \d+ ft: \d+", proc.stderr), proc.stderr[-3000:]
    if proc.returncode != 0:
        crash = re.search(r"Test unit written to (\S+)", proc.stderr)
        sig = re.search(r"^==kpsim-fuzz== (violation .*)$", proc.stderr, re.M)
        assert crash and sig, proc.stderr[-3000:]
        check_decodes(kpsim, tmp_path, tmp_path / crash.group(1), sig.group(1), allow=True)
    else:
        assert "Done 400 runs" in proc.stderr


def test_afl_runs(kpsim, binaries, tmp_path):
    """afl-fuzz for a few seconds on the seed corpus with the dictionary; its crashes, if
    any, decode to scenarios that fail the same way."""
    corpus = seeds(tmp_path, 1500)
    env = fuzz_env(tmp_path)
    # afl-fuzz refuses a custom ASAN_OPTIONS without symbolize=0, and the sanitizer
    # settings of the suite's other builds mean nothing to this uninstrumented binary.
    env.pop("ASAN_OPTIONS", None)
    env.pop("UBSAN_OPTIONS", None)
    env.update(AFL_SKIP_CPUFREQ="1", AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES="1",
               AFL_NO_UI="1", AFL_NO_AFFINITY="1", AFL_FAST_CAL="1",
               AFL_SKIP_CRASHES="1", AFL_NO_STARTUP_CALIBRATION="1")
    out = tmp_path / "afl-out"
    proc = subprocess.run(["afl-fuzz", "-V", "5", "-i", str(corpus), "-o", str(out),
                           "-x", DICT, "--", binaries["afl"]],
                          capture_output=True, text=True, env=env, timeout=120)
    stats = out / "default" / "fuzzer_stats"
    assert stats.exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    values = dict(re.findall(r"^(\w+)\s*: (.*)$", stats.read_text(), re.M))
    assert int(values["execs_done"]) > 100, values
    assert int(values["edges_found"]) > 1000, values
    crashes = sorted((out / "default" / "crashes").glob("id:*"))
    for crash in crashes[:2]:
        dec = kpsim("fuzz", "--decode", str(crash), "--allow-file", ALLOW, check=1)
        sig = dec.stderr.strip().removeprefix("signature: ")
        check_decodes(kpsim, tmp_path, crash, sig, allow=True)


def test_decode_passing_inputs(kpsim, tmp_path):
    """Both forms decode when nothing fails: exit 0, a scenario with its schedule."""
    text = tmp_path / "text"
    text.write_bytes(b"cpus 2\nprobe p at f_small\ntask a on cpu0:\n    register p\n"
                     b"task b on cpu1:\n    call f_small\n\x00\x01\x01\x00\x01")
    binary = tmp_path / "binary"
    binary.write_bytes(bytes([0xB1, 4, 0, 0, 0, 0, 0]))
    for f in (text, binary):
        out = tmp_path / (f.name + ".kps")
        kpsim("fuzz", "--decode", str(f), "--out", str(out), check=0)
        body = out.read_text()
        assert "# No failure that is not allowed.\n" in body
        assert re.search(r"^schedule S1:", body, re.M)
        kpsim("replay", str(out), check=0)
    # Not an input: neither form parses.
    bad = tmp_path / "bad"
    bad.write_bytes(b"probe nowhere\n")
    assert "not a scenario" in kpsim("fuzz", "--decode", str(bad), check=2).stderr
