"""Personal accounts over HTTP: first administrator, roles, hashing, throttling, sessions, audit; and the CLI."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import logging
import sys

from aiohttp.test_utils import TestClient, TestServer

from bot.cli import main
from bot.config import Settings
from bot.console.accounts import Accounts, Throttle
from bot.engine import Engine
from bot.store import Store
from bot.web import ACCOUNTS, THROTTLE, build_web_app
from tests.helpers import PASSWORD, console_account, console_csrf, console_login, console_setup


def run(index, tmp_path, scenario, **settings):
    async def go():
        store = Store(tmp_path / "r.sqlite")
        config = dataclasses.replace(Settings(), admin_token="first-token", **settings)
        app = build_web_app(config, Engine(index), store, store)
        async with TestClient(TestServer(app)) as client:
            await scenario(client, store, app)
        store.close()

    asyncio.run(go())


async def fresh_client(app) -> TestClient:
    client = TestClient(TestServer(app))
    await client.start_server()
    return client


def test_admin_token_only_creates_the_first_admin(index, tmp_path):
    async def scenario(client, store, app):
        assert "/admin/setup" in await (await client.get("/admin/login")).text()
        await console_setup(client, "first-token", "chi.lan")
        row = store.db["users"].get("chi.lan")
        assert row["role"] == "admin" and row["password_hash"].startswith("$argon2id$")
        # Once an account exists, the token neither creates another one nor logs anybody in.
        client.session.cookie_jar.clear()
        body = {"token": "first-token", "username": "ke.gian", "password": PASSWORD, "password2": PASSWORD}
        assert (await client.post("/admin/setup", data=body, allow_redirects=False)).status == 403
        r = await client.post("/admin/login", data={"username": "chi.lan", "password": "first-token"})
        assert r.status == 403 and store.db["users"].count == 1

    run(index, tmp_path, scenario)


def test_passwords_are_hashed_and_never_stored_or_logged(index, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)

    async def scenario(client, store, app):
        csrf = await console_setup(client, "first-token")
        await console_account(client, csrf, "anh.ba", "editor", password="mật khẩu riêng của anh Ba")
        await client.post("/admin/login", data={"username": "anh.ba", "password": "sai mật khẩu rồi nhé"})
        store.flush()
        raw = (tmp_path / "r.sqlite").read_bytes() + (tmp_path / "r.sqlite-wal").read_bytes()
        for secret in ("mật khẩu riêng của anh Ba", PASSWORD, "sai mật khẩu rồi nhé"):
            assert secret.encode() not in raw
            assert secret not in caplog.text
        hashes = [r["password_hash"] for r in store.db["users"].rows]
        assert all(h.startswith("$argon2id$") for h in hashes) and len(set(hashes)) == 2

    run(index, tmp_path, scenario)


def test_weak_password_and_bad_names_are_refused_in_vietnamese(index, tmp_path):
    async def scenario(client, store, app):
        body = {"token": "first-token", "username": "Quản Trị", "password": "ngan", "password2": "ngan"}
        r = await client.post("/admin/setup", data=body)
        assert r.status == 400 and "Tên đăng nhập gồm" in await r.text()
        body["username"] = "quantri"
        r = await client.post("/admin/setup", data=body)
        assert r.status == 400 and "ít nhất 10 ký tự" in await r.text()
        assert store.db["users"].count == 0

    run(index, tmp_path, scenario)


def test_login_is_throttled_per_account_with_retry_after(index, tmp_path):
    async def scenario(client, store, app):
        await console_setup(client, "first-token")
        client.session.cookie_jar.clear()
        statuses = []
        for _ in range(4):
            r = await client.post("/admin/login", data={"username": "quantri", "password": "doan mo mat khau"})
            statuses.append(r.status)
        assert statuses == [403, 403, 403, 429]
        assert int(r.headers["Retry-After"]) >= 1 and "Hãy đợi" in await r.text()
        # Even the right password waits: the lock is on the account, whoever asks.
        r = await client.post("/admin/login", data={"username": "quantri", "password": PASSWORD})
        assert r.status == 429
        # Another address guessing the same account is locked out too.
        app[THROTTLE].keys = {k: v for k, v in app[THROTTLE].keys.items() if k.startswith("account:")}
        r = await client.post("/admin/login", data={"username": "quantri", "password": "x"})
        assert r.status == 429

    run(index, tmp_path, scenario)


def test_login_is_throttled_per_address_across_accounts(index, tmp_path):
    async def scenario(client, store, app):
        await console_setup(client, "first-token")
        client.session.cookie_jar.clear()
        for i in range(3):
            r = await client.post("/admin/login", data={"username": f"ten{i}", "password": "x"})
            assert r.status == 403
        r = await client.post("/admin/login", data={"username": "ten9", "password": "x"})
        assert r.status == 429

    run(index, tmp_path, scenario)


def test_two_hundred_parallel_guesses_are_not_all_evaluated(index, tmp_path):
    async def scenario(client, store, app):
        await console_setup(client, "first-token")
        client.session.cookie_jar.clear()

        async def guess(i: int) -> int:
            r = await client.post("/admin/login", data={"username": "quantri", "password": f"doan-{i:04d}-xx"})
            return r.status

        statuses = await asyncio.gather(*(guess(i) for i in range(200)))
        evaluated = [r for r in store.db["audit"].rows if r["action"] == "login_failed"]
        assert statuses.count(429) >= 190 and statuses.count(403) == len(evaluated) <= 5
        assert 302 not in statuses

    run(index, tmp_path, scenario)


def test_throttle_delay_grows_and_success_clears_it():
    clock = [1000.0]
    throttle = Throttle(free=2, clock=lambda: clock[0])
    waits = []
    for _ in range(5):
        throttle.begin(["k"])
        throttle.end(["k"], ok=False)
        waits.append(throttle.retry_after(["k"]))
        clock[0] += waits[-1]
    assert waits == [0, 2, 4, 8, 16]
    throttle.begin(["k"])
    assert throttle.retry_after(["k"]) == 1  # one attempt at a time
    throttle.end(["k"], ok=True)
    assert throttle.retry_after(["k"]) == 0
    # Thousands of addresses do not grow the table for ever: quiet ones are forgotten.
    for i in range(10_001):
        throttle.begin([f"a{i}"])
        throttle.end([f"a{i}"], ok=False)
    clock[0] += 3601
    throttle.begin(["new"])
    throttle.end(["new"], ok=False)
    assert len(throttle.keys) <= 2


def test_sessions_expire_after_inactivity_and_survive_a_restart(index, tmp_path):
    async def scenario(client, store, app):
        await console_setup(client, "first-token")
        assert (await client.get("/admin", allow_redirects=False)).status == 200
        assert store.db["sessions"].count == 1
        assert "tls_admin" not in str(list(store.db["sessions"].rows))  # only the token's hash is kept
        # A restart: a new app on the same database keeps the session.
        other = build_web_app(dataclasses.replace(Settings(), admin_token="x"), Engine(index), store, store)
        server = TestClient(TestServer(other), cookie_jar=client.session.cookie_jar)
        await server.start_server()
        try:
            assert (await server.get("/admin", allow_redirects=False)).status == 200
        finally:
            await server.close()
        # 31 minutes without a request (SESSION_IDLE_MINUTES=30): the session is over.
        store.db.execute("UPDATE sessions SET last_seen = last_seen - 31 * 60")
        store.db.conn.commit()
        r = await client.get("/admin", allow_redirects=False)
        assert r.status == 302 and r.headers["Location"] == "/admin/login"
        assert store.db["sessions"].count == 0

    run(index, tmp_path, scenario, session_idle_minutes=30)


def test_log_out_everywhere_ends_every_session_of_the_account(index, tmp_path):
    async def scenario(client, store, app):
        await console_setup(client, "first-token")
        second = TestClient(client.server)  # another browser
        await second.start_server()
        try:
            csrf2 = await console_login(second, "quantri")
            assert (await second.get("/admin", allow_redirects=False)).status == 200
            csrf = await console_csrf(client)
            r = await client.post("/admin/logout-all", data={"csrf": csrf}, allow_redirects=False)
            assert r.status == 302
            for c in (client, second):
                assert (await c.get("/admin", allow_redirects=False)).status == 302
            assert (await second.post("/admin/logout", data={"csrf": csrf2})).status == 403
        finally:
            await second.close()

    run(index, tmp_path, scenario)


def test_roles_viewer_reads_but_cannot_change_and_only_admins_manage(index, tmp_path):
    async def scenario(client, store, app):
        csrf = await console_setup(client, "first-token")
        await console_account(client, csrf, "xem.thoi", "viewer")
        await console_account(client, csrf, "bien.tap", "editor")
        client.session.cookie_jar.clear()
        csrf = await console_login(client, "xem.thoi")
        for path in ("/admin", "/admin/unanswered", "/admin/entries", "/admin/review", "/admin/learning"):
            assert (await client.get(path)).status == 200, path
        for path, data in (
            ("/admin/groups", {"key": "k", "state": "resolved"}),
            ("/admin/candidates", {"entry": "vneid-la-gi", "question": "x", "action": "reject"}),
            ("/admin/users/add", {"username": "them.nua", "role": "admin", "password": PASSWORD}),
        ):
            r = await client.post(path, data={**data, "csrf": csrf})
            assert r.status == 403 and "chỉ được xem" in await r.text(), path
        assert store.group_states() == {} and store.db["users"].count == 3
        assert (await client.get("/admin/users")).status == 403
        assert (await client.get("/admin/audit")).status == 403
        client.session.cookie_jar.clear()
        await console_login(client, "bien.tap")
        r = await client.get("/admin/users")
        assert r.status == 403 and "Chỉ quản trị viên" in await r.text()

    run(index, tmp_path, scenario)


def test_audit_log_records_logins_failures_and_decisions_for_admins(index, tmp_path):
    async def scenario(client, store, app):
        csrf = await console_setup(client, "first-token")
        await console_account(client, csrf, "bien.tap", "editor")
        client.session.cookie_jar.clear()
        await client.post("/admin/login", data={"username": "bien.tap", "password": "<b>sai</b> mat khau"})
        csrf = await console_login(client, "bien.tap")
        await client.post("/admin/groups", data={"key": "k1", "state": "ignored", "csrf": csrf})
        client.session.cookie_jar.clear()
        await console_login(client, "quantri")
        page = await (await client.get("/admin/audit")).text()
        for action in ("login", "login_failed", "user_add", "group"):
            assert f'data-action="{action}"' in page, action
        assert "<b>sai</b>" not in page  # a failed password never reaches the log, escaped or not
        assert "sai" not in str(list(store.db["audit"].rows))
        group = next(r for r in store.db["audit"].rows if r["action"] == "group")
        assert (group["username"], group["target"], group["detail"]) == ("bien.tap", "k1", "ignored")
        # Kept under the retention rule like every other record.
        store.db.execute("UPDATE audit SET at = '2000-01-01T00:00:00' WHERE action = 'group'")
        store.db.conn.commit()
        store.purge()
        assert not [r for r in store.db["audit"].rows if r["action"] == "group"]

    run(index, tmp_path, scenario)


def test_cli_users_add_list_disable_reset(tmp_path, monkeypatch, capsys):
    db = tmp_path / "r.sqlite"
    monkeypatch.setenv("DATABASE_PATH", str(db))
    monkeypatch.setattr(sys, "stdin", io.StringIO("mat khau dai du roi\n"))
    assert main(["users", "add", "chi.hoa", "--role", "admin", "--name", "Chị Hoa"]) == 0
    assert main(["users", "list"]) == 0
    assert "chi.hoa" in capsys.readouterr().out
    store = Store(db)
    try:
        accounts = Accounts(store.db)
        assert accounts.get("chi.hoa").role == "admin"
        monkeypatch.setattr(sys, "stdin", io.StringIO("ngan\n"))
        assert main(["users", "reset", "chi.hoa"]) == 1
        assert "ít nhất 10 ký tự" in capsys.readouterr().err
        monkeypatch.setattr(sys, "stdin", io.StringIO("mat khau moi cung dai\n"))
        assert main(["users", "reset", "chi.hoa"]) == 0
        assert main(["users", "disable", "chi.hoa"]) == 0
        assert accounts.password_hash("chi.hoa") is None  # a disabled account cannot log in
        assert main(["users", "disable", "khong.co"]) == 1
    finally:
        store.close()


def test_admin_locks_resets_and_re_roles_an_account_and_its_sessions_end(index, tmp_path):
    async def scenario(client, store, app):
        csrf = await console_setup(client, "first-token")
        await console_account(client, csrf, "bien.tap", "editor")
        other = TestClient(client.server)  # the editor's own browser
        await other.start_server()
        try:
            await console_login(other, "bien.tap")

            async def act(action: str, **data: str) -> str:
                r = await client.post(
                    f"/admin/users/{action}", data={"csrf": csrf, "username": "bien.tap", **data}, allow_redirects=False
                )
                assert r.status == 302
                return r.headers["Location"]

            assert "msg=" in await act("role", role="viewer")
            assert (await other.get("/admin", allow_redirects=False)).status == 302  # signed out
            await console_login(other, "bien.tap")
            assert "err=" in await act("reset", password="ngắn")  # too short: refused, said why
            assert "msg=" in await act("reset", password="mật khẩu mới đủ dài")
            assert (await other.get("/admin", allow_redirects=False)).status == 302
            bad = await other.post("/admin/login", data={"username": "bien.tap", "password": PASSWORD})
            assert bad.status == 403
            await console_login(other, "bien.tap", "mật khẩu mới đủ dài")
            assert "msg=" in await act("disable")
            assert (await other.get("/admin", allow_redirects=False)).status == 302
            refused = await other.post("/admin/login", data={"username": "bien.tap", "password": "mật khẩu mới đủ dài"})
            assert refused.status == 403
            assert "msg=" in await act("enable")
            await console_login(other, "bien.tap", "mật khẩu mới đủ dài")
            # An administrator cannot lock themselves out.
            r = await client.post(
                "/admin/users/disable", data={"csrf": csrf, "username": "quantri"}, allow_redirects=False
            )
            assert "err=" in r.headers["Location"] and store.db["users"].get("quantri")["active"] == 1
            actions = [r["action"] for r in store.db["audit"].rows if r["target"] == "bien.tap"]
            for action in ("user_add", "user_role", "user_reset", "user_disable", "user_enable"):
                assert action in actions
        finally:
            await other.close()

    run(index, tmp_path, scenario)


def test_anyone_changes_their_own_password_even_a_viewer(index, tmp_path):
    async def scenario(client, store, app):
        csrf = await console_setup(client, "first-token")
        await console_account(client, csrf, "xem.thoi", "viewer")
        client.session.cookie_jar.clear()
        csrf = await console_login(client, "xem.thoi")
        data = {"csrf": csrf, "old": "không phải", "new": "mật khẩu riêng mới", "new2": "mật khẩu riêng mới"}
        r = await client.post("/admin/password", data=data)
        assert "Mật khẩu hiện tại không đúng" in await r.text()
        r = await client.post("/admin/password", data={**data, "old": PASSWORD, "new2": "khác"})
        assert "không giống nhau" in await r.text()
        r = await client.post("/admin/password", data={**data, "old": PASSWORD}, allow_redirects=False)
        assert r.status == 302 and r.headers["Location"] == "/admin/login"
        await console_login(client, "xem.thoi", "mật khẩu riêng mới")

    run(index, tmp_path, scenario)


def test_token_alone_opens_a_setup_session_only_until_the_first_account_exists(index, tmp_path):
    async def scenario(client, store, app):
        r = await client.post("/admin/login", data={"token": "wrong"}, allow_redirects=False)
        assert r.status == 403 and "tls_admin" not in r.cookies
        r = await client.post("/admin/login", data={"token": "first-token"}, allow_redirects=False)
        assert r.status == 302 and r.headers["Location"] == "/admin"
        users = await (await client.get("/admin/users")).text()
        assert "Bạn đang dùng ADMIN_TOKEN" in users and "(admin_token)" not in users
        csrf = await console_csrf(client)
        r = await client.post("/admin/password", data={"csrf": csrf, "old": "", "new": "x" * 12, "new2": "x" * 12})
        assert "không có mật khẩu" in await r.text()
        r = await client.post(
            "/admin/users/add",
            data={"csrf": csrf, "username": "chi.lan", "role": "admin", "password": PASSWORD},
            allow_redirects=False,
        )
        assert r.headers["Location"] == "/admin/login"
        assert (await client.get("/admin", allow_redirects=False)).status == 302  # the setup session is over
        r = await client.post("/admin/login", data={"token": "first-token"}, allow_redirects=False)
        assert r.status == 403 and "Hãy đăng nhập bằng tài khoản của bạn" in await r.text()
        r = await client.post("/admin/login", data={"username": "(admin_token)", "password": ""})
        assert r.status == 403
        await console_login(client, "chi.lan")
        assert [u["username"] for u in app[ACCOUNTS].all()] == ["chi.lan"]

    run(index, tmp_path, scenario)
