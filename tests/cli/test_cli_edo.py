"""EDO from the shell, as the issue spells it: parties and a deal's act in the registry, then
`opora edo packet build --ref bitrix24:deal:42 --operator diadoc --out DIR` writes the UPD XML
and request.json; a packet with problems lists them on stderr and fails."""
import base64
import json
import subprocess

from cli_support import clean_env, cli

CLOCK = ["--option", "clock=manual", "--option", "now=2026-11-23T09:00:00+03:00",
         "--option", "utc_offset=+03:00"]

OUR = {"code": "our", "role": "our", "type": "company", "name": "ООО «Вектор»",
       "inn": "6663003127", "kpp": "666301001", "address": "г. Екатеринбург",
       "participant_id": "2BM-6663003127-666301001-202207281004154081709", "box_id": "our@diadoc",
       "signer": {"last_name": "Сидоров", "first_name": "Павел", "position": "Директор"}}
THEM = {"code": "bitrix24:company:7", "role": "counterparty", "type": "company",
        "name": "ООО «Ромашка»", "inn": "7707083893", "kpp": "773601001",
        "address": "г. Москва", "participant_id": "2BM-7707083893-773601001-2019111512062712",
        "box_id": "them@diadoc"}
ACT = {"kind": "act", "date": "2026-11-20", "refs": ["bitrix24:deal:42"],
       "organization": {"type": "company", "name": "ООО «Вектор»", "inn": "6663003127",
                        "kpp": "666301001"},
       "counterparty": {"type": "company", "name": "ООО «Ромашка»", "inn": "7707083893",
                        "kpp": "773601001"},
       "items": [{"name": "Внедрение интеграции", "unit": "усл. ед.", "quantity": "1",
                  "price": "120000.00", "vat_rate": "22"}]}


def run(db, *args, check=True):
    return subprocess.run([cli(), "--db", str(db), *CLOCK, *args], capture_output=True,
                          text=True, env=clean_env(), check=check)


def call(db, method, params):
    return json.loads(run(db, "call", method, json.dumps(params)).stdout)


def test_edo_packet_build_writes_the_files_and_the_request(tmp_path):
    db = tmp_path / "edo.db"
    call(db, "edo.party.put", OUR)
    call(db, "edo.party.put", THEM)
    call(db, "registry.put", ACT)
    out = tmp_path / "out"
    r = run(db, "edo", "packet", "build", "--ref", "bitrix24:deal:42", "--operator", "diadoc",
            "--out", str(out))
    assert "rendered into" in r.stdout
    names = sorted(p.name for p in out.iterdir())
    assert "request.json" in names
    [xml] = [n for n in names if n.endswith(".xml")]
    assert xml.startswith("ON_NSCHFDOPPR_2BM-7707083893")
    content = (out / xml).read_bytes()
    assert content.startswith(b'<?xml version="1.0" encoding="windows-1251"?>')
    assert "Внедрение интеграции".encode("cp1251") in content
    request = json.loads((out / "request.json").read_text(encoding="utf-8"))
    [doc] = request["body"]["DocumentAttachments"]
    assert base64.b64decode(doc["SignedContent"]["Content"]) == content
    assert request["path"].startswith("/V3/PostMessage?operationId=opora-")
    # Again: the same packet, the same files.
    again = run(db, "--json", "edo", "packet", "build", "--ref", "bitrix24:deal:42",
                "--operator", "diadoc", "--out", str(tmp_path / "again"))
    assert json.loads(again.stdout)["files"] == 1
    assert (tmp_path / "again" / xml).read_bytes() == content


def test_a_packet_with_problems_lists_them_and_fails(tmp_path):
    db = tmp_path / "edo.db"
    call(db, "edo.party.put", {**OUR, "signer": {"last_name": "Сидоров"}})
    call(db, "edo.party.put", {**THEM, "exchange": "paper"})
    call(db, "registry.put", ACT)
    r = run(db, "edo", "packet", "build", "--ref", "bitrix24:deal:42", "--operator", "diadoc",
            "--out", str(tmp_path / "out"), check=False)
    assert r.returncode != 0
    assert "recipient.exchange" in r.stderr
    assert "sender.signer.first_name" in r.stderr
    assert not (tmp_path / "out").exists()
