"""The binary alone, copied to another folder with the checkout out of reach, converts, verifies and
lists its tables (they are compiled in). Where the test may create a mount namespace (root on
Linux), the checkout is hidden under an empty tmpfs for the run; otherwise it is only left out of
the working directory and the environment."""
import os
import pathlib
import shutil
import subprocess

from conftest import ROOT


def hidden_checkout_prefix():
    """A command prefix running its command with the checkout covered by an empty tmpfs, or []."""
    if shutil.which("unshare") is None:
        return []
    probe = ["unshare", "-m", "sh", "-c", f'mount -t tmpfs none "{ROOT}" && test ! -e "{ROOT}/Package.swift"']
    if subprocess.run(probe, capture_output=True).returncode != 0:
        return []
    return ["unshare", "-m", "sh", "-c", f'mount -t tmpfs none "{ROOT}" && exec "$0" "$@"']


def test_binary_copied_alone_converts_verifies_and_lists_its_tables(weightport_bin, tmp_path):
    binary = tmp_path / "bin" / "weightport"
    binary.parent.mkdir()
    shutil.copy2(weightport_bin, binary)
    data = tmp_path / "data"
    shutil.copytree(ROOT / "fixtures" / "demo", data)
    env = {k: v for k, v in os.environ.items() if k != "WEIGHTPORT_MAPPINGS"}
    prefix = hidden_checkout_prefix()

    def run(*args):
        return subprocess.run([*prefix, str(binary), *map(str, args)], cwd=data, env=env,
                              capture_output=True, text=True, timeout=300)

    listed = run("mappings", "list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith("tables: built-in"), listed.stdout
    assert "detectron2" in listed.stdout and "torchvision" in listed.stdout

    converted = run("convert", "model_final.pkl", "-o", "out.h5")
    assert converted.returncode == 0, converted.stderr
    renamed = run("convert", "model_final.pkl", "-o", "torchvision.pth", "--to", "torchvision", "--drop", "*")
    assert renamed.returncode == 0, renamed.stderr
    assert (data / "out.h5").is_file() and (data / "torchvision.pth").is_file()

    verified = run("verify", "out.h5", "--input", "input.npy", "--expect", "activations.npz")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "PASSED" in verified.stdout
