"""``python -m bot users add|list|disable|enable|reset``: accounts from the server's shell."""

from __future__ import annotations

import argparse
import getpass
import sys

from bot.config import Settings
from bot.console.accounts import ROLE_LABELS, ROLES, AccountError, Accounts, Audit, SessionStore
from bot.store import connect, migrate


def _password(prompt: str = "Mật khẩu: ") -> str:
    """Typed twice at a terminal (never echoed); one line from stdin when piped (scripts)."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass(prompt)
    if first != getpass.getpass("Nhập lại: "):
        raise AccountError("Hai lần nhập mật khẩu không giống nhau. Hãy chạy lại lệnh.")
    return first


def cmd_users(args: argparse.Namespace) -> int:
    db = connect(Settings.from_env().database_path)
    migrate(db)
    accounts, audit = Accounts(db), Audit(db)
    try:
        if args.action == "list":
            for u in accounts.all():
                state = "đang dùng" if u["active"] else "đã khoá"
                print(f"{u['username']:<24} {u['role']:<7} {state:<10} {u['display_name'] or ''}")
            if not accounts.count():
                print("Chưa có tài khoản nào. Tạo: python -m bot users add TEN --role admin")
            return 0
        if not args.username:
            print("Cần tên đăng nhập, ví dụ: python -m bot users add nguyen.van.a --role editor", file=sys.stderr)
            return 2
        if args.action == "add":
            accounts.add(args.username, _password(), args.role, args.name or "")
            audit.add("(dòng lệnh)", "user_add", args.username, args.role)
            print(f"✅ Đã tạo {args.username} ({ROLE_LABELS[args.role]}).")
        elif args.action in ("disable", "enable"):
            accounts.set_active(args.username, args.action == "enable")
            ended = SessionStore(db).drop_user(args.username) if args.action == "disable" else 0
            audit.add("(dòng lệnh)", f"user_{args.action}", args.username)
            done = "khoá" if args.action == "disable" else "mở khoá"
            print(f"✅ Đã {done} {args.username} ({ended} phiên kết thúc).")
        elif args.action == "reset":
            if not accounts.get(args.username):
                raise AccountError(f'Không có tài khoản "{args.username}".')
            accounts.reset(args.username, _password("Mật khẩu mới: "))
            SessionStore(db).drop_user(args.username)
            audit.add("(dòng lệnh)", "user_reset", args.username)
            print(f"✅ Đã đặt lại mật khẩu của {args.username}; các phiên cũ đã kết thúc.")
    except AccountError as exc:
        print(f"❌ {exc}", file=sys.stderr)
        return 1
    finally:
        db.conn.close()
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    users = sub.add_parser("users", help="tài khoản cán bộ: add, list, disable, enable, reset")
    users.add_argument("action", choices=["add", "list", "disable", "enable", "reset"])
    users.add_argument("username", nargs="?")
    users.add_argument("--role", choices=ROLES, default="editor", help="admin, editor (mặc định) hoặc viewer")
    users.add_argument("--name", help="họ tên hiển thị")
    users.set_defaults(func=cmd_users)
