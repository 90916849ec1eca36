#!/usr/bin/env python3
"""Records kube-ps1's own output for every case of tests/fixtures/kube-ps1/cases.txt, in bash and zsh.

Usage: scripts/record-kube-ps1.py PATH/TO/kube-ps1.sh [COMMIT]

kube-ps1 is not vendored: fetch it (github.com/jonmosco/kube-ps1, the current line, v0.8.0 and later),
run this, and commit only the refreshed tests/fixtures/kube-ps1/expected.txt. kubectl must be on PATH,
since kube-ps1 asks it. tests/shell_hooks_kube_ps1.rs runs the same cases through kdeck's hooks and
compares byte for byte.
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "kube-ps1")


def cases():
    with open(os.path.join(HERE, "cases.txt")) as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            name, kubeconfig, settings = (p.strip() for p in (line.rstrip("\n") + "|").split("|")[:3])
            pairs = [s.split("=", 1) for s in line.rstrip("\n").split("|", 2)[2].split(";") if "=" in s]
            yield name, kubeconfig, [(k.strip(), v) for k, v in pairs]


def escape(raw: bytes) -> str:
    out = bytearray()
    for b in raw:
        if b == 0x5C:
            out += b"\\\\"
        elif b < 0x20 or b == 0x7F:
            out += b"\\x%02x" % b
        else:
            out.append(b)
    return out.decode("utf-8")


def quote(v: str) -> str:
    return "'" + v.replace("'", "'\\''") + "'"


def main():
    kube_ps1 = os.path.abspath(sys.argv[1])
    commit = sys.argv[2] if len(sys.argv) > 2 else "unknown"
    lines = [
        f"# kube-ps1 outputs recorded by scripts/record-kube-ps1.py from kube-ps1 {commit}",
        "# with TERM=xterm-256color, LANG=C.UTF-8 and kubectl on PATH. SHELL | CASE | output (\\xNN escapes, \\\\ for \\).",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        home = os.path.join(tmp, "home")
        os.makedirs(home)
        for shell in ("bash", "zsh"):
            for name, kubeconfig, settings in cases():
                env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home, "TERM": "xterm-256color", "LANG": "C.UTF-8"}
                if kubeconfig == "missing":
                    env["KUBECONFIG"] = os.path.join(tmp, "missing.yaml")
                elif kubeconfig != "none":
                    env["KUBECONFIG"] = os.path.join(HERE, "kubeconfigs", kubeconfig)
                script = "".join(f"{k}={quote(v)}\n" for k, v in settings)
                script += f"source {quote(os.path.join(HERE, 'functions.sh'))}\n"
                script += f"source {quote(kube_ps1)}\n_kube_ps1_prompt_update\nprintf '%s' \"$(kube_ps1)\"\n"
                argv = [shell, "--norc", "--noprofile", "-c", script] if shell == "bash" else [shell, "-f", "-c", script]
                out = subprocess.run(argv, env=env, cwd=tmp, capture_output=True, check=True)
                lines.append(f"{shell} | {name} | {escape(out.stdout)}")
    with open(os.path.join(HERE, "expected.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
