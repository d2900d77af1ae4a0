"""The README's C, Python and shell examples, run as written.

ctest passes the paths: OPORA_BUILD_DIR (for the C example and the Python
package) and OPORA_CLI (the `opora` binary the shell example calls).
"""
import os
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BUILD = pathlib.Path(os.environ["OPORA_BUILD_DIR"])


def block(lang, index=0):
    blocks = re.findall(r"```" + lang + r"\n(.*?)```", README, flags=re.S)
    assert len(blocks) > index, f"README has no ```{lang} block #{index}"
    return blocks[index]


def run_python(tmp_path, source, name):
    """Runs Python source as a script in tmp_path with the build's opora package."""
    script = tmp_path / name
    script.write_text(source, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(BUILD / "python"))
    subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, check=True)


def run_shell(tmp_path, source, name):
    """Runs a shell block in tmp_path with `opora` calling the built CLI; its stdout."""
    script = tmp_path / name
    cli = os.environ["OPORA_CLI"]
    script.write_text(f'set -e\nopora() {{ "{cli}" "$@"; }}\n' + source, encoding="utf-8")
    return subprocess.run(["bash", str(script)], cwd=tmp_path, check=True, capture_output=True,
                          text=True).stdout


def test_c_example_compiles_as_c99_and_prints_the_date(tmp_path):
    src = tmp_path / "example.c"
    src.write_text(block("c"), encoding="utf-8")
    exe = tmp_path / "example"
    subprocess.run(["cc", "-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror",
                    f"-I{ROOT}/include", f"-I{BUILD}/generated/include", str(src),
                    f"-L{BUILD}/src", "-lopora", f"-Wl,-rpath,{BUILD}/src", "-o", str(exe)],
                   check=True)
    out = subprocess.run([str(exe)], cwd=tmp_path, check=True, capture_output=True, text=True)
    assert out.stdout.strip() == '{"date":"2026-01-14"}'


def test_python_example_runs(tmp_path):
    run_python(tmp_path, block("python"), "example.py")


def test_python_facade_lines_run_on_the_example_database(tmp_path):
    # The lines shown after the CLI subcommands use the `db` of the first example.
    run_python(tmp_path, block("python"), "example.py")
    facades = "".join("    " + line + "\n" for line in block("python", 1).splitlines())
    run_python(tmp_path, 'import opora\nwith opora.open("example.db") as db:\n' + facades,
               "facades.py")


def test_shell_example_runs(tmp_path):
    cli = os.environ["OPORA_CLI"]
    lines = [l for l in block("sh", 1).splitlines() if l.startswith("opora ")]
    assert len(lines) == 3
    outputs = []
    for line in lines:
        cmd = line.replace("opora ", f"'{cli}' ", 1)
        outputs.append(subprocess.run(cmd, shell=True, cwd=tmp_path, check=True,
                                      capture_output=True, text=True).stdout)
    assert "2026-01-14" in outputs[0]
    assert "inn_checksum" in outputs[1]
    assert "calendar.add_working_days" in outputs[2]


def test_registry_shell_example_runs(tmp_path):
    out = run_shell(tmp_path, block("sh", 2), "registry.sh")
    assert "АКТ-2026-000001" in out
    assert "counterparty_inn" in out  # the parameters table of registry find --help


def test_registry_page_shows_the_kinds_as_built(tmp_path):
    cli = os.environ["OPORA_CLI"]
    kinds = subprocess.run([cli, "--json", "call", "registry.kinds"], check=True,
                           capture_output=True, text=True).stdout
    generated = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen-registry-kinds")],
                               input=kinds, check=True, capture_output=True, text=True).stdout
    page = (ROOT / "docs" / "registry.md").read_text(encoding="utf-8")
    assert generated in page, "docs/registry.md is out of date: regenerate its kinds section"


def test_billing_python_example_runs(tmp_path):
    run_python(tmp_path, block("python", 2), "billing.py")
    assert (tmp_path / "billing.db").exists()


def test_billing_shell_example_runs(tmp_path):
    out = run_shell(tmp_path, block("sh", 3), "billing.sh")
    assert "LS-0001" in out                      # the debtors table
    assert "<recipient_name>Иван Иванович И.</recipient_name>" in out
    assert "<result>0</result>" in out


def test_order_payment_qr_example_saves_a_png_a_reader_decodes(tmp_path):
    run_python(tmp_path, block("python", 3), "order_qr.py")
    png = tmp_path / "order-qr.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # zbar-tools (scripts/deps): the payload's windows-1251 bytes, exactly.
    payload = subprocess.run(["zbarimg", "--raw", "-q", "-Sbinary", str(png)], check=True,
                             capture_output=True).stdout
    assert payload.startswith(b"ST00011|Name=") and b"|Sum=200000|" in payload
    assert "Оплата заказа ЗК-2026-000001".encode("cp1251") in payload


def test_edo_python_example_runs(tmp_path):
    run_python(tmp_path, block("python", 4), "edo.py")
    assert (tmp_path / "edo.db").exists()


def test_edo_shell_example_runs_on_the_python_example_database(tmp_path):
    run_python(tmp_path, block("python", 4), "edo.py")
    out = run_shell(tmp_path, block("sh", 4), "edo.sh")
    assert "rendered into packet-43" in out
    [xml] = (tmp_path / "packet-43").glob("ON_NSCHFDOPPR_*.xml")
    assert "Сопровождение".encode("cp1251") in xml.read_bytes()
    assert (tmp_path / "packet-43" / "request.json").exists()


def test_exchange_shell_and_python_examples_run_in_order(tmp_path):
    out = run_shell(tmp_path, block("sh", 5), "exchange.sh")
    assert "ЗК-2026-000001" in out
    script = tmp_path / "exchange.py"
    script.write_text(block("python", 5), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(BUILD / "python"))
    printed = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, check=True,
                             capture_output=True, text=True).stdout
    assert printed.split() == ["ЗК-2026-000001", "ack"]
