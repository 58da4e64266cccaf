import io
import json

import pytest

from bot.cli import main
from tests.helpers import faq_text

KEYS = {"question", "status", "id", "title", "matched", "score", "suggestions", "uncovered"}


def test_ask_prints_the_answer_a_citizen_reads(capsys):
    assert main(["ask", "Chuyển đổi số là gì"]) == 0
    out = capsys.readouterr().out
    assert "CHUYỂN ĐỔI SỐ LÀ GÌ?" in out and "chính quyền số" in out


def test_ask_unanswered_offers_human_help(capsys):
    main(["ask", "giá vàng hôm nay"])
    out = capsys.readouterr().out
    assert "chưa có câu trả lời" in out and "Tổ công nghệ số cộng đồng" in out
    assert "ghi lại" not in out  # the CLI records nothing, so it must not claim to


def test_ask_json(capsys):
    main(["ask", "--json", "ngày 10/10 là ngày gì"])
    payload = json.loads(capsys.readouterr().out)
    assert set(payload) == KEYS
    assert payload["status"] == "answered" and payload["id"] == "ngay-chuyen-doi-so-quoc-gia"
    for suggestion in payload["suggestions"]:
        assert set(suggestion) == {"id", "title", "matched", "score"}


def test_ask_json_reads_stdin_line_by_line_in_order(capsys, monkeypatch):
    questions = ["mất căn cước phải làm sao", "", "giá vàng hôm nay", "VNeID là gì"]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(questions) + "\n"))
    main(["ask", "--json"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [p["question"] for p in lines] == [q for q in questions if q]
    assert lines[1]["status"] == "unanswered" and lines[1]["id"] is None


def test_ask_explain(capsys):
    main(["ask", "--explain", "ko có cccd"])
    out = capsys.readouterr().out
    assert "chuẩn hoá : không có căn cước" in out and "p_cov=" in out


def test_faq_option_tries_a_draft(capsys, write_yaml):
    draft = write_yaml("draft.yaml", faq_text(("cho-ca", "Chợ cá", ["chợ cá họp mấy giờ"])))
    main(["ask", "--json", "--faq", str(draft), "chợ cá họp mấy giờ"])
    assert json.loads(capsys.readouterr().out)["id"] == "cho-ca"


def test_validate_ok_and_broken(capsys, write_yaml):
    assert main(["validate"]) == 0
    assert "✅" in capsys.readouterr().out
    broken = write_yaml(
        "faq.yaml", faq_text(("x", "X", ["câu hỏi"])).replace("reviewed: 2026-11-01", "reviewed: sai ngày")
    )
    assert main(["validate", str(broken)]) == 1
    out = capsys.readouterr().out
    assert "faq.yaml:" in out and "[x]" in out and "❌ 1 lỗi" in out


def test_ask_with_a_broken_draft_explains_instead_of_crashing(capsys, write_yaml):
    broken = write_yaml("faq.yaml", "entries:\n  - id: [\n")
    assert main(["ask", "--faq", str(broken), "hỏi"]) == 2
    assert "Lỗi cú pháp YAML" in capsys.readouterr().err


def test_stats_counts_per_sector(capsys):
    assert main(["stats"]) == 0
    out = capsys.readouterr().out
    assert "Căn cước" in out and "hỏi đáp" in out


@pytest.mark.parametrize("argv", [["eval"], ["eval", "-v"]])
def test_eval_prints_categories(capsys, argv):
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "trả lời đúng" in out and "trả lời SAI" in out and "ngoài phạm vi bị từ chối" in out


def test_terminal_chat_answers_piped_questions(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("VNeID là gì\n"))
    assert main(["chat"]) == 0
    assert "Bộ Công an" in capsys.readouterr().out
