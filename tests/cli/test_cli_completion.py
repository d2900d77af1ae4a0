"""bash completion: `opora __complete WORD...` gives the candidates for the last word, and
examples/cli/opora-completion.bash feeds them to bash."""
import pathlib
import subprocess

from cli_support import run

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "examples" / "cli" / "opora-completion.bash"


def candidates(*words):
    r = run("__complete", *words)
    assert r.returncode == 0, r.err
    return r.out.split()


def test_commands_modules_verbs_and_flags():
    assert {"call", "methods", "billing", "edo", "workflow"} <= set(candidates(""))
    assert candidates("ed") == ["edo"]
    assert {"packet", "packets", "party", "parties"} <= set(candidates("edo", "pa"))
    assert candidates("edo", "packet", "b") == ["build"]
    assert "--operator" in candidates("edo", "packet", "build", "--o")
    assert "--chunk-size" in candidates("billing", "run", "2026-11", "--ch")
    assert candidates("--db", "x.db", "registry", "fin") == ["find"]


def test_the_bash_script_completes_through_opora(tmp_path):
    from cli_support import cli
    script = f"""
source {SCRIPT}
opora() {{ :; }}
COMP_WORDS=({cli()} edo packet bu)
COMP_CWORD=3
_opora_complete
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["build"]
