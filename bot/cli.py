"""Command line: ask, validate, eval, stats, run. A thin layer over `knowledge`."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from bot import render_text, texts
from bot.config import Settings
from bot.logs import configure as configure_logging
from bot.render_text import explain_text
from knowledge import (
    CatalogueError,
    Index,
    SearchResult,
    Status,
    check_catalogue,
    default_sources,
    load_catalogue,
)
from knowledge.evaluation import evaluate, read_question_set

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEV_SET = PROJECT_DIR / "tests" / "data" / "dev_questions.yaml"


def _sources(faq: list[str] | None) -> list[Path]:
    """The FAQ (``--faq``, else FAQ_PATH, else faq.yaml) and the procedure files."""
    if not faq:
        return default_sources(Settings.from_env().faq_path)
    return [Path(f) for f in faq] + default_sources()[1:]


def _index(faq: list[str] | None) -> Index:
    catalogue, lexicon = load_catalogue(_sources(faq))
    return Index(catalogue, lexicon, Settings.from_env().thresholds)


def result_json(result: SearchResult) -> dict:
    best = result.best if result.status is not Status.UNANSWERED else None
    return {
        "question": result.question,
        "status": result.status.value,
        "id": best.entry.id if best else None,
        "title": best.entry.title if best else None,
        "matched": best.matched if best else None,
        "score": result.closest.score if result.closest else 0.0,
        "suggestions": [
            {"id": c.entry.id, "title": c.entry.title, "matched": c.matched, "score": c.score}
            for c in result.suggestions
        ],
    }


def cmd_ask(args: argparse.Namespace) -> int:
    if args.question is not None and not args.question.strip():
        print(texts.CLI_EMPTY_QUESTION, file=sys.stderr)
        return 2
    index = _index(args.faq)
    questions = [args.question] if args.question is not None else (line.rstrip("\n") for line in sys.stdin)
    for question in questions:
        if args.question is None and not question.strip():
            continue
        result = index.search(question, explain=args.explain)
        if args.json:
            payload = result_json(result)
            if args.explain and result.explanation:
                payload["explain"] = {
                    "normalized": result.explanation.normalized,
                    "folded": result.explanation.folded,
                    "notes": list(result.explanation.notes),
                    "scored": list(result.explanation.scored),
                }
            print(json.dumps(payload, ensure_ascii=False), flush=True)
        else:
            print(render_text.render_result(result))
            if args.explain:
                print(explain_text(result))
            print()
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.paths] or _sources(None)
    catalogue, _, problems = check_catalogue(paths)
    for problem in problems:
        print(problem)
    if problems:
        print(f"\n❌ {len(problems)} lỗi. Bot vẫn dùng phiên bản đúng gần nhất cho đến khi sửa xong.")
        return 1
    unverified = sum(not e.verified for e in catalogue.entries.values())
    print(
        f"✅ Hợp lệ: {len(catalogue)} mục ({_kinds(catalogue)}) trong {len(paths)} tệp; "
        f"{unverified} mục chờ kiểm tra lại (verified: false)."
    )
    return 0


def _kinds(catalogue) -> str:
    kinds = Counter(e.kind for e in catalogue.entries.values())
    return f"{kinds['faq']} hỏi đáp, {kinds['procedure']} thủ tục"


def cmd_stats(args: argparse.Namespace) -> int:
    catalogue, _ = load_catalogue(_sources(args.faq))
    print(f"{len(catalogue)} mục: {_kinds(catalogue)}\n")
    print(f"{'Lĩnh vực':<44} {'hỏi đáp':>8} {'thủ tục':>8} {'cách hỏi':>9} {'chờ KT':>7}")
    for sector in catalogue.sectors.values():
        entries = catalogue.in_sector(sector.id)
        faq = sum(e.kind == "faq" for e in entries)
        phrasings = sum(len(e.questions) for e in entries)
        unverified = sum(not e.verified for e in entries)
        print(f"{sector.title:<44} {faq:>8} {len(entries) - faq:>8} {phrasings:>9} {unverified:>7}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    index = _index(args.faq)
    report = evaluate(index, read_question_set(Path(args.questions)))
    print(report.summary())
    if args.verbose:
        print("\nCác câu chưa đạt:")
        for item, result in report.failures:
            got = result.best.entry.id if result.best else "-"
            print(
                f"  [{result.status.value:<10}] mong {item.expected or '(ngoài phạm vi)'} | được {got} "
                f"{result.score:.2f} | {item.question}"
            )
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """The main job: web chat and console, plus the Telegram bot when a token is set."""
    from bot.engine import Engine
    from bot.runner import PortBusy, run

    settings = Settings.from_env()
    configure_logging(settings.log_level, settings.log_format)
    faq = Path(args.faq[0]) if args.faq else settings.faq_path
    try:
        run(settings, Engine.load(faq, settings.thresholds))
    except PortBusy as exc:
        print(texts.PORT_BUSY.format(host=exc.host, port=exc.port, other=exc.port + 1), file=sys.stderr)
        return 3
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    """A chat in the terminal, over the same catalogue: for trying questions without a browser."""
    return _terminal_chat(_index(args.faq))


def _terminal_chat(index: Index) -> int:
    interactive = sys.stdin.isatty()
    if interactive:
        print(texts.LOCAL_CHAT_INTRO)
    while True:
        try:
            question = input("❓ " if interactive else "")
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if not question.strip():
            continue
        print(render_text.render_result(index.search(question)) + "\n")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Trợ lý số – hỏi đáp dịch vụ công.")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_faq(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument(
            "--faq", action="append", metavar="PATH", help="dùng tệp FAQ này thay cho faq.yaml (lặp lại được)"
        )
        return p

    ask = with_faq(sub.add_parser("ask", help="hỏi một câu (không có câu hỏi: đọc từng dòng từ stdin)"))
    ask.add_argument("question", nargs="?")
    ask.add_argument("--json", action="store_true", help="in một đối tượng JSON mỗi câu")
    ask.add_argument("--explain", action="store_true", help="cho biết vì sao ra kết quả này")
    ask.set_defaults(func=cmd_ask)

    validate = sub.add_parser("validate", help="kiểm tra faq.yaml và danh mục thủ tục")
    validate.add_argument("paths", nargs="*")
    validate.set_defaults(func=cmd_validate)

    stats = with_faq(sub.add_parser("stats", help="số mục theo lĩnh vực"))
    stats.set_defaults(func=cmd_stats)

    ev = with_faq(sub.add_parser("eval", help="đo độ chính xác trên bộ câu hỏi mẫu"))
    ev.add_argument("--questions", default=str(DEV_SET))
    ev.add_argument("-v", "--verbose", action="store_true", help="liệt kê các câu chưa đạt")
    ev.set_defaults(func=cmd_eval)

    run = with_faq(sub.add_parser("run", help="chạy trợ lý: web, bảng quản trị, Telegram khi có token"))
    run.set_defaults(func=cmd_run)

    chat = with_faq(sub.add_parser("chat", help="trò chuyện ngay trong cửa sổ dòng lệnh"))
    chat.set_defaults(func=cmd_chat)

    from bot.console.cli import add_parser as add_users_parser

    add_users_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(texts.CLI_USAGE)
        return 0 if argv else 2
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CatalogueError as exc:
        print(exc.report(), file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
