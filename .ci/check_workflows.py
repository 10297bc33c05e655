"""Semantic checks of the GitHub workflows that a JSON Schema cannot express.

check-jsonschema validates the syntax (misspelt keys, wrong types); this checks
the release promises: every target gets both wheel kinds, every wheel artifact
that can be tested is tested with a GIL-state assertion, and publishing happens
only on a version tag, after every test, by trusted publishing.
"""

import itertools
import pathlib
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
KINDS = {"abi3", "cp314t", "abi3t"}
FREE_THREADED_KINDS = {"cp314t", "abi3t"}
PLATFORMS = {
    "manylinux-x86_64", "manylinux-aarch64", "musllinux-x86_64", "musllinux-aarch64",
    "macos-x86_64", "macos-aarch64", "windows-x64",
}
# Wheels with no matching interpreter on GitHub's runners (no python3.14t for
# Alpine): built and checked by the build, tested by users' CI only.
UNTESTABLE = {"musllinux-x86_64-cp314t", "musllinux-aarch64-cp314t",
              "musllinux-x86_64-abi3t", "musllinux-aarch64-abi3t"}


def load(name):
    # PyYAML reads the key `on` as True.
    data = yaml.safe_load((ROOT / ".github/workflows" / name).read_text())
    data["on"] = data.pop(True, data.get("on"))
    return data


def artifact_names(release):
    names = set()
    jobs = release["jobs"]
    m = jobs["linux"]["strategy"]["matrix"]
    for target, libc, kind in itertools.product(m["target"], m["libc"], m["kind"]):
        names.add(f"{libc}-{target}-{kind}")
    for entry in jobs["macos"]["strategy"]["matrix"]["include"]:
        names.add(f"macos-{entry['target']}-{entry['kind']}")
    for kind in jobs["windows"]["strategy"]["matrix"]["kind"]:
        names.add(f"windows-x64-{kind}")
    return names


def main():
    errors = []
    ci, release = load("ci.yml"), load("release.yml")

    pythons = {(e["python"], e["abi"]) for e in ci["jobs"]["python"]["strategy"]["matrix"]["include"]}
    for want in [("3.11", "abi3"), ("3.12", "abi3"), ("3.13", "abi3"), ("3.14", "abi3"), ("3.14t", "cp314t"), ("3.15t", "abi3t")]:
        if want not in pythons:
            errors.append(f"ci.yml: no pytest job for {want}")
    if not any("assert_gil_state.py" in s.get("run", "") for s in ci["jobs"]["python"]["steps"]):
        errors.append("ci.yml: the pytest jobs do not assert the GIL state")

    built = artifact_names(release)
    expected = {f"{p}-{k}" for p in PLATFORMS for k in KINDS}
    if built != expected:
        errors.append(f"release.yml: builds {sorted(built ^ expected)} differ from the promised wheel set")
    jobs = release["jobs"]
    tests = jobs["test"]["strategy"]["matrix"]["include"]
    tested = {t["wheels"] for t in tests}
    for name in sorted(expected - UNTESTABLE - tested):
        errors.append(f"release.yml: wheel artifact {name} is never tested")
    for t in tests:
        if t["wheels"] not in built:
            errors.append(f"release.yml: test entry names unknown artifact {t['wheels']}")
        if not t["wheels"].endswith(t["kind"]) or t["python"].endswith("t") != (t["kind"] in FREE_THREADED_KINDS):
            errors.append(f"release.yml: test entry {t} pairs a wheel with the wrong interpreter")
    steps = jobs["test"]["steps"]
    if not any("assert_gil_state.py" in s.get("run", "") for s in steps):
        errors.append("release.yml: the test job does not assert the GIL state")
    if not any("pytest" in s.get("run", "") for s in steps):
        errors.append("release.yml: the test job does not run pytest")

    pub = jobs["publish"]
    needs = set(pub.get("needs", []))
    if not {"test", "sdist"} <= needs:
        errors.append("release.yml: publish must need test and sdist")
    if "refs/tags/v" not in str(pub.get("if", "")):
        errors.append("release.yml: publish must run on version tags only")
    if pub.get("permissions", {}).get("id-token") != "write":
        errors.append("release.yml: publish needs id-token: write (trusted publishing)")
    if not any("pypa/gh-action-pypi-publish" in s.get("uses", "") for s in pub["steps"]):
        errors.append("release.yml: publish does not use pypa/gh-action-pypi-publish")
    if "v*" not in release["on"].get("push", {}).get("tags", []):
        errors.append("release.yml: not triggered by version tags")

    for e in errors:
        print("FAIL:", e, file=sys.stderr)
    print(f"workflow checks: {len(errors)} problem(s); {len(built)} wheel artifacts, {len(tests)} test jobs")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
