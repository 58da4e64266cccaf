"""Command line: ask, validate, eval, stats, run. A thin layer over `knowledge`."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

from bot import merger_cli, render_text, texts
from bot.config import Settings
from bot.conversation import Answer, Conversation
from bot.flood import FloodGuard
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
from knowledge.evaluation import Report, evaluate, leave_one_out, read_question_set
from knowledge.yamlfile import read_yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEV_SET = PROJECT_DIR / "tests" / "data" / "dev_questions.yaml"
# Held-out sets: measured, never tuned on (see the head of each file).
HOLDOUT_SETS = (
    PROJECT_DIR / "tests" / "data" / "holdout_questions.yaml",
    PROJECT_DIR / "tests" / "data" / "holdout2_questions.yaml",
)
# Two-message conversations written by hand (a dev set: tuned on), measured through the conversation core.
FOLLOW_UP_PAIRS = PROJECT_DIR / "tests" / "data" / "followup_pairs.yaml"


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
        "uncovered": result.uncovered or None,  # a service without a guide the question names
        "suggestions": [
            {"id": c.entry.id, "title": c.entry.title, "matched": c.matched, "score": c.score}
            for c in result.suggestions
        ],
    }


class _NoRecords:
    """The terminal records nothing: a question tried here is not a citizen's."""

    def question(self, **_: object) -> None: ...

    def feedback(self, **_: object) -> None: ...

    def candidate(self, **_: object) -> None: ...


def _conversation(index: Index) -> Conversation:
    home = Settings.from_env().home_old_province
    return Conversation(lambda: index, _NoRecords(), FloodGuard(10**9, 1.0), recording=False, home_province=home)


def follow_up_counts(index: Index, path: Path = FOLLOW_UP_PAIRS) -> dict[str, Counter[str]]:
    """Each pair asked as a conversation of its own: "right" (the expected topic, or no answer where none
    is expected), "wrong" (another entry answered) or "unanswered"; counted per set the pairs were written
    as ("built", "fresh", "case"), so that a set written later never dilutes an earlier one's bar."""
    data, problems = read_yaml(path)
    if problems:
        raise CatalogueError(problems)
    conversation = _conversation(index)
    topic = index.catalogue.topic
    counts: dict[str, Counter[str]] = {}
    for n, pair in enumerate(data.get("pairs") or []):
        conversation.ask("cli", f"pair-{n}", str(pair["first"]))
        reply = conversation.ask("cli", f"pair-{n}", str(pair["then"]))
        got = reply.entry.id if isinstance(reply, Answer) else None
        expected = pair.get("expected")
        tally = counts.setdefault(str(pair.get("set", "")), Counter())
        if (got is None and expected is None) or (got and expected and topic(got) == topic(str(expected))):
            tally["right"] += 1
        else:
            tally["wrong" if got else "unanswered"] += 1
    return counts


def cmd_ask(args: argparse.Namespace) -> int:
    if args.question is not None and not args.question.strip():
        print(texts.CLI_EMPTY_QUESTION, file=sys.stderr)
        return 2
    index = _index(args.faq)
    conversation = _conversation(index)  # lines read from stdin are one conversation: follow-ups work
    questions = [args.question] if args.question is not None else (line.rstrip("\n") for line in sys.stdin)
    for question in questions:
        if args.question is None and not question.strip():
            continue
        if args.json:
            result = index.search(question, explain=args.explain)
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
            print(render_text.render_reply(conversation.ask("cli", "local", question), numbered=True))
            if args.explain:
                print(explain_text(index.search(question, explain=True)))
            print()
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.paths] or _sources(None)
    # With no paths it is the whole catalogue, whose entries the lexicon names must be among.
    catalogue, _, problems = check_catalogue(paths, whole=not args.paths)
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
    if args.loo or args.all:
        return _eval_loo(args)
    index = _index(args.faq)
    report = evaluate(index, read_question_set(Path(args.questions)))
    print(report.summary())
    if args.verbose:
        _print_failures(report)
    return 0


def _print_failures(report: Report) -> None:
    print("\nCác câu chưa đạt:")
    for item, result in report.failures:
        # Unanswered: the closest entry offered (if any), so a near miss shows how near it was.
        near = result.closest
        got = f"{near.entry.id} {near.score:.2f}" if near else "- 0.00"
        print(f"  [{result.status.value:<10}] mong {item.expected or '(ngoài phạm vi)'} | được {got} | {item.question}")


def _eval_loo(args: argparse.Namespace) -> int:
    """Leave-one-out (``--loo``), or it beside the dev and held-out sets in one table (``--all``)."""
    catalogue, lexicon = load_catalogue(_sources(args.faq))
    thresholds = Settings.from_env().thresholds
    columns: list[tuple[str, Report]] = []
    if args.all:
        index = Index(catalogue, lexicon, thresholds)
        for title, path in zip(("dev", "kiểm tra 1", "kiểm tra 2"), (DEV_SET, *HOLDOUT_SETS), strict=True):
            columns.append((title, evaluate(index, read_question_set(path))))
    started = time.perf_counter()
    loo = leave_one_out(catalogue, lexicon, thresholds)
    columns += [("bỏ-1 (LOO)", loo.plain), ("LOO nghiêm", loo.strict)]
    print(_table(columns, catalogue.sectors))
    if args.all:
        print("\nCâu hỏi nối tiếp (cặp viết tay, qua lõi hội thoại):")
        for name, pairs in follow_up_counts(index).items():
            print(
                f"  {name or '-':6} {sum(pairs.values()):3} cặp: đúng {pairs['right']}, sai {pairs['wrong']}, "
                f"không trả lời {pairs['unanswered']}"
            )
    print(
        f"\nLOO: mỗi cách hỏi được hỏi lại sau khi bỏ nó khỏi mục của nó ({loo.rebuilds} lần dựng lại chỉ mục, "
        f"{time.perf_counter() - started:.0f} giây). «Nghiêm»: bỏ luôn các bản trùng cách viết trong mục đó "
        "(bản không dấu, viết tắt, tiêu đề giống hệt)."
    )
    if args.verbose:
        _print_failures(loo.strict)
    return 0


def _table(columns: list[tuple[str, Report]], sectors: Mapping[str, object]) -> str:
    """Rates side by side, then by sector: right / wrong / right one among the choices, of how many."""
    width = 16
    head = f"{'':<26}" + "".join(f"{title:>{width}}" for title, _ in columns)
    rows = [head, f"{'câu trong phạm vi':<26}" + "".join(f"{r.total_in_scope:>{width}}" for _, r in columns)]
    for label, key in (
        ("trả lời đúng", "correct"),
        ("trả lời SAI", "wrong"),
        ("đúng nằm trong gợi ý", "suggested_correct"),
        ("gợi ý không có mục đúng", "suggested_other"),
        ("bỏ sót (không trả lời)", "missed"),
        ("  …có mục đúng để chọn", "missed_offered"),
        ("ngoài phạm vi bị từ chối", "oos_rejected"),
    ):
        cells = [f"{r.rate(key):.1%}" if r.total_out_of_scope or key != "oos_rejected" else "–" for _, r in columns]
        rows.append(f"{label:<26}" + "".join(f"{c:>{width}}" for c in cells))
    rows += ["", "Theo lĩnh vực: đúng/sai/trong gợi ý trên số câu", head]
    for sector in sectors:
        cells = []
        for _, r in columns:
            c = r.by_sector.get(sector, Counter())
            total = sum(c.values())
            cells.append(f"{c['correct']}/{c['wrong']}/{c['suggested_correct']} /{total}" if total else "–")
        rows.append(f"{sector:<26}" + "".join(f"{c:>{width}}" for c in cells))
    return "\n".join(rows)


def cmd_run(args: argparse.Namespace) -> int:
    """The main job: web chat and console, plus the Telegram bot when a token is set."""
    from bot.engine import Engine
    from bot.runner import PortBusy, run
    from bot.upgrades import open_knowledge

    settings = Settings.from_env()
    configure_logging(settings.log_level, settings.log_format)
    faq = Path(args.faq[0]) if args.faq else settings.faq_path
    knowledge, read_only = open_knowledge(settings.knowledge().with_faq(faq))
    engine = Engine.load(None, settings.thresholds, knowledge)
    engine.read_only = read_only
    try:
        run(settings, engine)
    except PortBusy as exc:
        print(texts.PORT_BUSY.format(host=exc.host, port=exc.port, other=exc.port + 1), file=sys.stderr)
        return 3
    return 0


def cmd_poster(args: argparse.Namespace) -> int:
    """A QR poster for the desk: the whole assistant, one sector or one entry, as PDF or PNG."""
    import asyncio

    from bot.console.posters import UsernameUnavailable, bot_username, missing_settings
    from bot.console.posters import content as poster_for
    from bot.deeplinks import WHOLE, Target
    from bot.posters import PosterError, render, render_png

    settings = Settings.from_env()
    out = Path(args.output)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("pdf", "png"):
        print("Tên tệp phải kết thúc bằng .pdf (để in) hoặc .png (đăng mạng xã hội).", file=sys.stderr)
        return 2
    if not 300 <= args.width <= 6000:
        print("Chiều rộng ảnh PNG (--width) nên từ 300 đến 6000 điểm ảnh.", file=sys.stderr)
        return 2
    target = WHOLE
    if args.entry is not None:
        target = Target("entry", args.entry.strip())
    elif args.sector is not None:
        target = Target("sector", args.sector.strip())
    catalogue, _ = load_catalogue(_sources(args.faq))
    try:
        username = args.bot_username or asyncio.run(bot_username(settings))
        content = poster_for(settings, catalogue, target, username)
    except (UsernameUnavailable, PosterError) as exc:
        print(exc, file=sys.stderr)
        return 2
    out.write_bytes(render_png(content, args.width) if fmt == "png" else render(content, fmt))
    for note in missing_settings(settings):
        print(f"Lưu ý: {note}", file=sys.stderr)
    print(f"Đã lưu áp phích: {out} (mã QR mở {content.telegram_link})")
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    """First start (the Docker entrypoint): copy the shipped content into an empty KNOWLEDGE_DIR."""
    from knowledge.content import seed

    knowledge = Settings.from_env().knowledge()
    try:
        copied = seed(knowledge)
    except OSError as exc:
        print(f"Không chép được nội dung vào {knowledge.root}: {exc}", file=sys.stderr)
        return 1
    if copied:
        print(f"Đã chép nội dung có sẵn vào {knowledge.root}: {', '.join(copied)}")
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    """A chat in the terminal, over the same catalogue: for trying questions without a browser."""
    return _terminal_chat(_index(args.faq))


def _terminal_chat(index: Index) -> int:
    conversation = _conversation(index)
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
        print(render_text.render_reply(conversation.ask("cli", "local", question), numbered=True) + "\n")


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
    ev.add_argument("--loo", action="store_true", help="bỏ-một-ra: hỏi lại từng cách hỏi sau khi bỏ nó khỏi mục")
    ev.add_argument("--all", action="store_true", help="bảng: bộ dev, hai bộ kiểm tra độc lập và bỏ-một-ra")
    ev.set_defaults(func=cmd_eval)

    run = with_faq(sub.add_parser("run", help="chạy trợ lý: web, bảng quản trị, Telegram khi có token"))
    run.set_defaults(func=cmd_run)

    poster = with_faq(sub.add_parser("poster", help="áp phích mã QR (A4 PDF để in, hoặc PNG)"))
    which = poster.add_mutually_exclusive_group()
    which.add_argument("--entry", metavar="ID", help="một mục (mã trong faq.yaml hoặc danh mục thủ tục)")
    which.add_argument("--sector", metavar="ID", help="một lĩnh vực (mã trong knowledge/sectors.yaml)")
    poster.add_argument("--bot-username", metavar="TÊN", help="tên bot Telegram; mặc định hỏi Telegram (getMe)")
    poster.add_argument("-o", "--output", required=True, metavar="TỆP", help="tệp .pdf hoặc .png")
    poster.add_argument("--width", type=int, default=1240, metavar="PX", help="chiều rộng ảnh PNG (mặc định 1240)")
    poster.set_defaults(func=cmd_poster)
    seed = sub.add_parser("seed", help="chép nội dung có sẵn vào KNOWLEDGE_DIR khi thư mục còn trống")
    seed.set_defaults(func=cmd_seed)

    chat = with_faq(sub.add_parser("chat", help="trò chuyện ngay trong cửa sổ dòng lệnh"))
    chat.set_defaults(func=cmd_chat)
    merger_cli.register(sub)

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
