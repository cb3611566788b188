import sqlite3

import pytest

from forensics.core import RunDirError
from forensics.backends import Params, Request, Response
from forensics.core import storable
from forensics.store import RunStore, verify_store


def req(pid="p1", model="m", sample=0):
    return Request(pid, model, sample, ({"role": "user", "content": "hi"},), Params())


@pytest.fixture
def store(tmp_path, small_suite):
    s = RunStore(tmp_path / "run", create=True)
    s.add_suite(small_suite, "test")
    for i in range(5):
        assert s.add_response(req(f"p{i}"), Response(text=f"answer {i}", tokens_out=2, server_model="srv"))
    yield s
    s.close()


def test_one_response_per_cell(store):
    assert not store.add_response(req("p1"), Response(text="again"))
    assert store.conn.execute("SELECT COUNT(*) FROM responses").fetchone()[0] == 5
    assert ("m", "p1", 0) in store.completed_cells()


def test_intact_store_verifies(store):
    assert verify_store(store) == []


def _raw(store):
    c = sqlite3.connect(store.db_path)
    c.isolation_level = None
    return c


def test_edit_is_detected(store):
    _raw(store).execute("UPDATE responses SET text='forged' WHERE probe_id='p2'")
    problems = verify_store(store)
    assert any("p2" in p and "edited" in p for p in problems)


def test_delete_is_detected(store):
    _raw(store).execute("DELETE FROM responses WHERE probe_id='p2'")
    assert any("chain broken" in p for p in verify_store(store))


def test_delete_last_is_detected(store):
    _raw(store).execute("DELETE FROM responses WHERE probe_id='p4'")
    assert any("manifest hash" in p for p in verify_store(store))


def test_insert_is_detected(store):
    c = _raw(store)
    row = dict(zip([d[1] for d in c.execute("PRAGMA table_info(responses)")],
                   c.execute("SELECT * FROM responses WHERE probe_id='p1'").fetchone()))
    row.update(seq=None, probe_id="p9", text="inserted")
    c.execute(f"INSERT INTO responses VALUES ({','.join('?' * len(row))})", tuple(row.values()))
    assert verify_store(store)


def test_reorder_is_detected(store):
    c = _raw(store)
    c.execute("UPDATE responses SET seq = seq + 100 WHERE probe_id='p1'")
    assert any("chain broken" in p for p in verify_store(store))


def test_manifest_edit_is_detected(store):
    _raw(store).execute("UPDATE manifest SET value='\"9.9.9\"' WHERE key='tool_version'")
    assert any("manifest hash" in p for p in verify_store(store))


def test_lock_refuses_second_writer(tmp_path):
    a = RunStore(tmp_path / "r", create=True)
    a.lock()
    b = RunStore(tmp_path / "r")
    with pytest.raises(RunDirError, match="another forensics process"):
        b.lock()
    a.close()
    b.lock()
    b.close()


def test_not_a_run_dir(tmp_path):
    with pytest.raises(RunDirError, match="not a run directory"):
        RunStore(tmp_path / "nothing")


def test_hostile_text_round_trips(store):
    text = "a\x00b\u202econtrol <script>x</script>" + "y" * 100_000
    assert store.add_response(req("h"), Response(text=text))
    got = store.conn.execute("SELECT text FROM responses WHERE probe_id='h'").fetchone()[0]
    assert got == text
    assert storable("bad \udcff surrogate") == "bad \ufffd surrogate"
    assert verify_store(store) == []


def test_evidence_rows(store):
    store.add_evidence("s", "r", ["c"], {"x": 1})
    store.add_evidence("s", "r", ["c"], {"x": 2})
    ev = store.latest_evidence()
    assert len(ev) == 1 and ev[0]["payload"] == {"x": 2}
