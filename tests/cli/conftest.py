# SPDX-License-Identifier: GPL-2.0-only
"""Shared fixtures: the kpsim binary under test and a runner."""
import os
import subprocess

import pytest


@pytest.fixture(scope="session")
def kpsim_path():
    path = os.environ.get("KPSIM")
    if not path or not os.path.exists(path):
        pytest.fail("set KPSIM to the kpsim binary (meson test does this)")
    return path


@pytest.fixture
def kpsim(kpsim_path):
    def run(*args, check=None, timeout=300):
        proc = subprocess.run([kpsim_path, *args], capture_output=True, text=True,
                              timeout=timeout)
        if check is not None:
            assert proc.returncode == check, (proc.returncode, proc.stdout, proc.stderr)
        return proc
    return run
