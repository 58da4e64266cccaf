"""`python -m bot address "…"` and `python -m bot communes`: the merger feature from the command line."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from bot.config import Settings


def cmd_address(args: argparse.Namespace) -> int:
    from knowledge import merger

    home = args.province or Settings.from_env().home_old_province
    questions = [args.text] if args.text is not None else (line.strip() for line in sys.stdin)
    for text in questions:
        if not text:
            continue
        started = time.perf_counter()
        reply = merger.answer(text, home)
        elapsed_ms = (time.perf_counter() - started) * 1000
        if args.json:
            out = {"text": text, "kind": reply.kind if reply else None, "ms": round(elapsed_ms, 3)}
            if reply:
                out |= {
                    "reply": reply.text,
                    "choices": reply.choices,
                    "related_entry_ids": reply.related_entry_ids,
                    "record_text": reply.record_text,
                    "offer_handoff": reply.offer_handoff,
                }
            print(json.dumps(out, ensure_ascii=False))
            continue
        if reply is None:
            print("(Không phải câu hỏi về địa chỉ sau sáp nhập: trợ lý sẽ tìm trong danh mục câu hỏi.)")
        else:
            print(reply.text)
            for label, payload in reply.choices:
                print(f"  [{label}] → {payload}")
            if reply.related_entry_ids:
                print("  Mục liên quan: " + ", ".join(reply.related_entry_ids))
            print(f"  Ghi vào sổ: {reply.record_text}")
        print()
    return 0


def cmd_communes(args: argparse.Namespace) -> int:
    from knowledge import merger_directory as directory
    from knowledge.merger import province_units

    path = Path(args.path) if args.path else directory.directory_path()
    home = Settings.from_env().home_old_province
    province, units = province_units(home)
    names = [u.ward for u in units]
    if args.generate:
        existing = None
        if path.exists():
            existing, problems = directory.read_directory(path)
            if problems:
                print("\n".join(str(p) for p in problems), file=sys.stderr)
                print("Sửa các lỗi trên trước khi tạo lại (để không mất dữ liệu cán bộ đã điền).", file=sys.stderr)
                return 2
        from knowledge.merger_data import package_version

        path.write_text(directory.generate(province, names, package_version(), existing), encoding="utf-8")
        dropped = [o.name for o in (existing.offices if existing else ()) if o.name not in names]
        print(f"Đã ghi {path}: {len(names)} xã, phường, đặc khu của {province}.")
        if dropped:
            print("Không còn trong dữ liệu (đã bỏ khỏi tệp): " + ", ".join(dropped))
        return 0
    found, problems = directory.read_directory(path, known_names=set(names))
    if problems:
        print("\n".join(str(p) for p in problems), file=sys.stderr)
        return 2
    filled = sum(1 for o in found.offices if not o.empty)
    verified = sum(1 for o in found.offices if o.verified)
    missing = len({*names} - {o.name for o in found.offices})
    print(f"{path}: {len(found.offices)} bản ghi, {filled} đã có thông tin, {verified} đã xác minh; thiếu {missing}.")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    address = sub.add_parser("address", help='tra xã, phường mới của một địa chỉ cũ: address "xã Đăk Cấm, TP Kon Tum"')
    address.add_argument("text", nargs="?", help="địa chỉ hoặc câu hỏi (không có: đọc từng dòng từ stdin)")
    address.add_argument("--province", help="tỉnh cũ mặc định khi địa chỉ không ghi tỉnh (HOME_OLD_PROVINCE)")
    address.add_argument("--json", action="store_true", help="in một đối tượng JSON mỗi câu")
    address.set_defaults(func=cmd_address)

    communes = sub.add_parser("communes", help="danh bạ trụ sở xã, phường (communes.yaml): kiểm tra hoặc tạo")
    communes.add_argument("--generate", action="store_true", help="tạo/bổ sung danh sách tên từ dữ liệu của gói")
    communes.add_argument("--check", action="store_true", help="kiểm tra tệp (mặc định)")
    communes.add_argument("--path", help="đường dẫn tệp (mặc định: knowledge/communes.yaml)")
    communes.set_defaults(func=cmd_communes)
