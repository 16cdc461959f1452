# SPDX-License-Identifier: GPL-2.0-only
"""Port variants: a port plus a patch (model/variants/, docs/porting.md).

The variants are built into kpsim and listed by `kpsim models`; a scenario runs on one
with --model; the build step, model/variants/apply.sh, refuses a patch that does not
apply and names the hunk, and refuses a header that does not say what the patch is.
"""
import json
import os
import pathlib
import re
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(os.environ.get("KPSIM_SOURCE_ROOT")
                    or pathlib.Path(__file__).resolve().parents[2])
APPLY = ROOT / "model/variants/apply.sh"
PATCH = ROOT / "model/variants/reuse-unused.patch"
SCENARIO = ROOT / "tests/data/verdicts/reuse-unused.kps"


def apply(tmp_path, patch, base="6274de4", folder="6274de4", name=None):
    name = name or pathlib.Path(patch).stem
    out = tmp_path / "out" / (name + ".c")
    out.parent.mkdir(exist_ok=True)
    proc = subprocess.run(["sh", str(APPLY), str(patch), base, str(ROOT / "model" / folder),
                           str(out)], capture_output=True, text=True,
                          env={**os.environ, "LC_ALL": "C"})
    return proc, out


def test_models_lists_variants_with_their_base(kpsim):
    out = kpsim("models", check=0).stdout
    assert re.search(r"^reuse-unused\s+0490cd1f9d99569d3bd64e17adc88db06a5007be\s+"
                     r"kprobes: Reuse unused kprobe\s+\[variant of 6274de4, 2010-12-03\]$",
                     out, re.M), out


def test_variant_changes_what_the_patch_changes(kpsim):
    """The seed answers -EBUSY at an unused aggregate; the variant takes it back."""
    kpsim("run", str(SCENARIO), check=0)
    proc = kpsim("run", "--model", "reuse-unused", str(SCENARIO), check=1)
    assert "register returned 0, expected -16" in proc.stdout + proc.stderr, proc.stderr
    # A variant runs the scenarios its base port alone runs (`model 6274de4 only`);
    # another port does not.
    proc = kpsim("run", "--model", "6274de4^", str(SCENARIO), check=0)
    assert "N/A" in proc.stdout


def test_variant_keeps_its_base_ports_invariants(kpsim):
    """A variant of 6274de4 is judged by 6274de4's invariants.  S5 is the seed's alone (a
    hashed unused aggregate is on unoptimizing_list); a scenario that expects it to break
    when a module unload strands the aggregate, a path the variant does not change, fails
    the same way on the variant."""
    stranded = str(ROOT / "scenarios/modules/unload-leaves-unused-aggregate.kps")
    kpsim("run", stranded, check=0)
    proc = kpsim("run", "--model", "reuse-unused", stranded, check=0)
    assert "scenarios: 1 passed, 0 failed" in proc.stdout, proc.stdout


def test_apply_builds_the_variant(tmp_path):
    if shutil.which("patch") is None:
        pytest.fail("the build needs patch(1)")
    proc, out = apply(tmp_path, PATCH)
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    assert '#include "reuse-unused.d/port.c"' in text
    assert ".base = \"6274de4\"" in text and ".date = \"2010-12-03\"" in text
    patched = (out.parent / "reuse-unused.d" / "kprobes.c").read_text()
    assert "static void reuse_unused_kprobe(struct kprobe *ap)" in patched
    assert "return -EBUSY;" not in patched.split("register_aggr_kprobe(struct kprobe")[1] \
        .split("\n}\n")[0]


def test_a_patch_that_does_not_apply_names_its_hunk(tmp_path):
    text = PATCH.read_text()
    # Break the context of the second hunk (register_aggr_kprobe), as a base port that
    # moved on under the patch would.
    broken = text.replace(" \t\t\treturn -ENOMEM;\n", " \t\t\treturn -ENOMEM; /* moved */\n")
    assert broken != text
    patch = tmp_path / "reuse-unused.patch"
    patch.write_text(broken)
    proc, out = apply(tmp_path, patch)
    assert proc.returncode == 1
    hunk_line = next(i for i, line in enumerate(broken.splitlines(), 1)
                     if line.startswith("@@ ") and i > 30)
    assert re.search(rf"^{re.escape(str(patch))}:{hunk_line}: hunk 2 of kprobes\.c does not "
                     rf"apply to 6274de4: @@ -\d+,\d+ \+\d+,\d+ @@", proc.stderr, re.M), \
        proc.stderr
    assert not out.exists() and not (out.parent / "reuse-unused.d").exists()


@pytest.mark.parametrize("field,value,message", [
    ("Name", "reuse", "the header's Name is 'reuse', the file says 'reuse-unused'"),
    ("Base", "6274de4^", "the header's Base is '6274de4^'"),
    ("Commit", "0490cd1f", "Commit must be a commit id of 12 to 40 hex digits, or none"),
    ("Date", "Dec 3 2010", "Date must be the author date as YYYY-MM-DD"),
])
def test_a_header_that_does_not_say_what_the_patch_is(tmp_path, field, value, message):
    text = re.sub(rf"^{field}: .*$", f"{field}: {value}", PATCH.read_text(), count=1,
                  flags=re.M)
    patch = tmp_path / "reuse-unused.patch"
    patch.write_text(text)
    proc, out = apply(tmp_path, patch)
    assert proc.returncode == 1
    assert f"{patch}:1: {message}" in proc.stderr
    assert not out.exists()


@pytest.mark.parametrize("fmt,ext", [("text", "txt"), ("json", "json"), ("markdown", "md")])
def test_verdicts_table_exactly(kpsim_path, fmt, ext):
    """The differential verdict table of the seed and reuse-unused on a small set: one
    scenario differs (the seed's -EBUSY, allowed, gives way to the variant's 0), one is
    the same, one is not run on either (`model 6274de4^ only`)."""
    proc = subprocess.run([kpsim_path, "verdicts", "-m", "6274de4", "-m", "reuse-unused",
                           "--format", fmt, "tests/data/verdicts"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == (ROOT / f"tests/data/verdicts/expected.{ext}").read_text()


def test_verdicts_exit_status(kpsim):
    same = str(ROOT / "tests/data/verdicts/same.kps")
    proc = kpsim("verdicts", "-m", "6274de4", "-m", "reuse-unused", "-m", "6274de4^", same,
                 check=0)
    assert proc.stdout.endswith("verdicts: 0 of 1 scenarios differ between 6274de4, "
                                "reuse-unused and 6274de4^\n"), proc.stdout
    proc = kpsim("verdicts", "-m", "6274de4", same, check=2)
    assert "give 2 to 16 models with --model" in proc.stderr
    proc = kpsim("verdicts", "-m", "6274de4", "-m", "nope", same, check=2)
    assert "unknown model 'nope'" in proc.stderr
    proc = kpsim("verdicts", "-m", "6274de4", "-m", "reuse-unused", "--format", "xml", same,
                 check=2)
    assert "unknown format 'xml'" in proc.stderr


def test_verdicts_cap_a_dfs_search(kpsim):
    import json
    path = str(ROOT / "scenarios/basic/lifecycle-optimized.kps")
    full = json.loads(kpsim("verdicts", "-m", "6274de4", "-m", "reuse-unused", "--format",
                            "json", path, check=0).stdout)
    assert {r["verdict"] for r in full["results"][0]["runs"]} == {"PASS"}
    assert full["results"][0]["runs"][0]["executions"] > 3
    capped = json.loads(kpsim("verdicts", "-m", "6274de4", "-m", "reuse-unused",
                              "--max-executions", "3", "--format", "json", path,
                              check=0).stdout)
    runs = capped["results"][0]["runs"]
    assert [(r["verdict"], r["executions"]) for r in runs] == [("INCOMPLETE", 3)] * 2
    proc = kpsim("verdicts", "-m", "6274de4", "-m", "reuse-unused", "--max-executions", "-1",
                 path, check=2)
    assert "--max-executions" in proc.stderr


# The rest of the seed's series up to v2.6.38, each variant on the one before.
SERIES = [
    ("batch-optimize", "cd7ebe2298ff1c3112232878678ce5fe6be8a15b",
     "kprobes: Use text_poke_smp_batch for optimizing", "reuse-unused", "2010-12-03"),
    ("batch-unoptimize", "f984ba4eb575e4a27ed28a76d4126d2aa9233c32",
     "kprobes: Use text_poke_smp_batch for unoptimizing", "batch-optimize", "2010-12-03"),
    ("this-cpu-ops", "b76834bc1b6db0a0923eed85c81b1113021b0612",
     "kprobes: Use this_cpu_ops", "batch-unoptimize", "2010-12-06"),
]
BATCH = ROOT / "tests/data/batch/unoptimize-4.kps"


def test_models_lists_the_series_in_order(kpsim):
    out = kpsim("models", check=0).stdout
    names = [line.split()[0] for line in out.splitlines() if line.strip()]
    at = names.index("reuse-unused")
    assert names[at + 1:at + 1 + len(SERIES)] == [s[0] for s in SERIES], out
    for name, commit, title, base, date in SERIES:
        assert re.search(rf"^{re.escape(name)}\s+{commit}\s+{re.escape(title)}\s+"
                         rf"\[variant of {re.escape(base)}, {date}\]$", out, re.M), out


@pytest.mark.parametrize("model,total", [("6274de4", 8), ("batch-optimize", 5),
                                         ("batch-unoptimize", 2), ("this-cpu-ops", 2)])
def test_batched_variants_stop_the_machine_less(kpsim, model, total):
    """Four probes optimized, then disabled: the file expects the batched count (2); the
    seed stops the machine once per jump each way (8), batch-optimize batches only the
    installation (5)."""
    proc = kpsim("run", "--model", model, str(BATCH), check=0 if total == 2 else 1)
    out = proc.stdout + proc.stderr
    if total != 2:
        assert f"expectation failed: it is {total}" in out, out


def test_batched_unoptimize_compared_with_the_seed(kpsim_path):
    """`kpsim compare`: the same operations, the removals in the optimizer on both, and
    one stop_machine for all four removals instead of one each."""
    proc = subprocess.run([kpsim_path, "compare", "--format", "json", "--model", "6274de4",
                           "--model", "batch-unoptimize", str(BATCH)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    runs = {r["model"]: r for r in json.loads(proc.stdout)["runs"]}
    seed, batched = runs["6274de4"], runs["batch-unoptimize"]
    for run in (seed, batched):
        assert all(op["costs"]["stop_machines"] == 0 for op in run["operations"])
        assert run["kernel"]["stop_machines"] == run["stop_machines"]
    assert seed["stop_machines"] == 8
    assert batched["stop_machines"] == 2
    assert batched["verdict"] == "pass"


# Each fix variant of docs/history.md and what its target scenario shows on it: the exit
# status of `kpsim run --model FIX FILE`, text its report must hold, text it must not.
# A report of a passing run is only its summary line, so these read `kpsim replay`'s
# trace of the scenario's first execution when the run passes.
FIXES = [
    # cause 1: the jump is gone when debugfs 0 returns; the A5 the scenario expects now
    # comes from the int3 cause 3 leaves, so the scenario still passes.
    ("fix-wait-optimizer", "scenarios/findings/debugfs-off-leaves-jump.kps", 0,
     ["holds an int3"], ["holds an installed jump"]),
    # the sysctl write now locks kprobe_mutex twice (sysctl-off-self-deadlock.kps)
    ("fix-wait-optimizer", "scenarios/findings/sysctl-off-leaves-jump.kps", 1,
     ["locks kprobe_mutex, which it already holds"], ["violation A7"]),
    # the stranded unused aggregate is freed (no S5, no M3); its jump is left unowned (T1)
    ("fix-free-gone-unused", "scenarios/modules/unload-leaves-unused-aggregate.kps", 1,
     ["violation T1 (checker) [module unload]"], ["violation S5", "violation M3"]),
]


@pytest.mark.parametrize("model,scenario,status,shown,gone", FIXES,
                         ids=[f"{m}:{pathlib.Path(s).stem}" for m, s, *_ in FIXES])
def test_fix_variant_changes_its_finding(kpsim, model, scenario, status, shown, gone):
    path = str(ROOT / scenario)
    kpsim("run", path, check=0)   # the base port shows the finding, as the scenario expects
    proc = kpsim("run", "--model", model, path, check=status)
    out = proc.stdout + proc.stderr
    if status == 0:
        proc = kpsim("replay", "--model", model, path, check=0)
        out = proc.stdout + proc.stderr
    for text in shown:
        assert text in out, out
    for text in gone:
        assert text not in out, out


# A small corpus for results files: an N/A, an allowed group, a dfs search the cap stops
# (INCOMPLETE) and a finding whose groups change on fix-wait-optimizer.
SAVED_SET = ["tests/data/verdicts", "scenarios/findings/sysctl-off-leaves-jump.kps"]
SAVED_CAP = ["--max-executions", "100"]


def verdicts_in_root(kpsim_path, *args):
    return subprocess.run([kpsim_path, "verdicts", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_verdicts_reuse_saved_results(kpsim_path, tmp_path, fmt):
    """A table that reads a model's results from --save-results' file is the full run's
    to the byte: for a variant's base saved as the base of another table, for a fix
    saved as the base of a fix of it, and for both models read from the file."""
    saved = str(tmp_path / "saved.results")
    proc = verdicts_in_root(kpsim_path, "-m", "6274de4", "-m", "fix-wait-optimizer",
                            *SAVED_CAP, "--save-results", saved, *SAVED_SET)
    assert proc.returncode == 1, proc.stderr
    for models in (["6274de4", "reuse-unused"], ["fix-wait-optimizer", "fix-sysctl-mutex"],
                   ["6274de4", "fix-wait-optimizer"]):
        args = [a for m in models for a in ("-m", m)] + ["--format", fmt, *SAVED_CAP]
        full = verdicts_in_root(kpsim_path, *args, *SAVED_SET)
        reused = verdicts_in_root(kpsim_path, *args, "--reuse-results", saved, *SAVED_SET)
        assert (reused.returncode, reused.stdout, reused.stderr) == \
            (full.returncode, full.stdout, full.stderr), models


def test_verdicts_reuse_reads_the_file(kpsim_path, tmp_path):
    """The reused model is not run again: what the file says is what the table shows."""
    saved = tmp_path / "saved.results"
    proc = verdicts_in_root(kpsim_path, "-m", "6274de4", "-m", "reuse-unused", *SAVED_CAP,
                            "--save-results", str(saved), *SAVED_SET)
    assert proc.returncode == 1, proc.stderr
    text = saved.read_text()
    # The base's cell of same.kps, which the cap stopped at 100 executions, says 77.
    cell = re.search(r"^path=tests/data/verdicts/same\.kps$.*?^\[scenario \d+ port 0\]\n"
                     r"verdict=INCOMPLETE\nexecutions=(100)$", text, re.M | re.S)
    assert cell, text
    saved.write_text(text[:cell.start(1)] + "77" + text[cell.end(1):])
    proc = verdicts_in_root(kpsim_path, "-m", "6274de4", "-m", "batch-optimize", "--format",
                            "json", *SAVED_CAP, "--reuse-results", str(saved), *SAVED_SET)
    assert proc.returncode in (0, 1), proc.stderr
    runs = {r["path"]: r["runs"] for r in json.loads(proc.stdout)["results"]}
    same = runs["tests/data/verdicts/same.kps"]
    assert [(r["model"], r["executions"]) for r in same] == [("6274de4", 77),
                                                             ("batch-optimize", 100)]


@pytest.mark.parametrize("case,message", [
    ("cap", "judged with --max-executions 100, this run with 99"),
    ("allow", "judged with the allowed ids none, this run with A9"),
    ("fewer", "judged 4 scenarios, this run 3"),
    ("edited", "same.kps has changed since the file was saved"),
    ("models", "it has results for 6274de4, fix-wait-optimizer, none of this run's models"),
    ("format", "written by another version of kpsim"),
])
def test_verdicts_refuse_results_of_another_run(kpsim_path, tmp_path, case, message):
    """A results file judged otherwise than the run that reads it is refused (status 2,
    bad input), never taken for that run's results."""
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "tests/data/verdicts", corpus, ignore=shutil.ignore_patterns("exp*"))
    shutil.copy(ROOT / SAVED_SET[1], corpus)
    saved = tmp_path / "saved.results"
    proc = verdicts_in_root(kpsim_path, "-m", "6274de4", "-m", "fix-wait-optimizer",
                            *SAVED_CAP, "--save-results", str(saved), str(corpus))
    assert proc.returncode == 1 and saved.exists(), proc.stderr
    models, options, paths = ["6274de4", "reuse-unused"], list(SAVED_CAP), [str(corpus)]
    if case == "cap":
        options = ["--max-executions", "99"]
    elif case == "allow":
        options += ["--allow", "A9"]
    elif case == "fewer":
        paths = [str(p) for p in sorted(corpus.glob("*.kps"))[1:]]
    elif case == "edited":
        with open(corpus / "same.kps", "a") as f:
            f.write("# edited\n")
    elif case == "models":
        models = ["reuse-unused", "batch-optimize"]
    elif case == "format":
        saved.write_text(saved.read_text().replace("\nformat=1\n", "\nformat=2\n"))
    proc = verdicts_in_root(kpsim_path, *[a for m in models for a in ("-m", m)], *options,
                            "--reuse-results", str(saved), *paths)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert proc.stdout == ""
    assert f"kpsim verdicts: --reuse-results: {saved}: " in proc.stderr
    assert message in proc.stderr, proc.stderr
