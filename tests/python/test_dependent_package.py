"""The README's library example builds, unchanged, in a separate package that depends on WeightPort
by version: a clone of this checkout tagged with `weightport --version` is the dependency
(`.package(url: "file://…", from: VERSION)`), so SwiftPM applies its rules for versioned
dependencies (it refuses unsafe flags in them). Slow: it compiles WeightPort and its
dependencies from scratch in debug mode (97 s on the 2-core machine while other builds shared it)."""
import pathlib
import re
import shutil
import subprocess

from conftest import ROOT

FIXTURE = ROOT / "fixtures" / "models" / "r50_fpn_torchvision"


def readme_block(marker):
    """The ```swift block between the README's `<marker>: begin` and `<marker>: end` comments."""
    text = (ROOT / "README.md").read_text()
    section = text.split(f"<!-- {marker}: begin")[1].split(f"<!-- {marker}: end")[0]
    return re.search(r"```swift\n(.*?)```", section, re.S).group(1)


def readme_manifest(url, version):
    """The README's Package.swift for dependents, pointed at the local clone."""
    text = (ROOT / "README.md").read_text()
    manifest = re.search(r"```swift\n(// swift-tools-version.*?)```", text.split("## Using WeightPort as a library")[1], re.S).group(1)
    return re.sub(r'\.package\(url: "[^"]*", from: "[^"]*"\)', f'.package(url: "{url}", from: "{version}")', manifest)


def git(*args, cwd):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)


def test_readme_example_builds_as_a_dependent_package(weightport_bin, tmp_path):
    version = subprocess.run([weightport_bin, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    clone = tmp_path / "src" / "WeightPort"
    git("clone", "-q", str(ROOT), str(clone), cwd=tmp_path)
    git("tag", "-f", version, cwd=clone)   # -f: the checkout may already carry an older tag of that name

    example = tmp_path / "example"
    sources = example / "Sources" / "weightport-example"
    sources.mkdir(parents=True)
    (example / "Package.swift").write_text(readme_manifest(clone.as_uri(), version))
    (sources / "main.swift").write_text(readme_block("library-example"))

    build = subprocess.run(["swift", "build"], cwd=example, capture_output=True, text=True, timeout=3000)
    assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-4000:]
    assert "warning:" not in "\n".join(l for l in build.stdout.splitlines() if "weightport-example" in l)

    binary = example / ".build" / "debug" / "weightport-example"
    output = tmp_path / "converted.pth"
    run = subprocess.run([str(binary), FIXTURE / "weights.safetensors", output, FIXTURE / "input.safetensors",
                          FIXTURE / "features.safetensors"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "-> torchvision" in run.stdout and run.stdout.rstrip().endswith("verified"), run.stdout
    assert output.is_file()
    shutil.rmtree(example / ".build", ignore_errors=True)
