"""Helpers shared by tests."""

ENTRY = """
  - id: {id}
    title: {title}
    sector: test
    questions:
{questions}
    answer: Câu trả lời cho {title}.
    source: "Nguồn thử"
    reviewed: 2026-11-01
"""


def faq_text(*entries: tuple[str, str, list[str]]) -> str:
    """A small valid FAQ file: (id, title, questions) per entry."""
    body = "".join(ENTRY.format(id=i, title=t, questions="\n".join(f"      - {q}" for q in qs)) for i, t, qs in entries)
    return "sectors:\n  - id: test\n    title: Thử\nentries:" + body


PASSWORD = "mật khẩu thử nghiệm"  # 10+ characters, as the console requires


async def console_setup(client, token: str, username: str = "quantri", password: str = PASSWORD) -> str:
    """On a fresh database: create the first administrator with ADMIN_TOKEN (the supported path) and
    return the CSRF token of the session it opens."""
    r = await client.post(
        "/admin/setup",
        data={"token": token, "username": username, "password": password, "password2": password},
        allow_redirects=False,
    )
    assert r.status == 302, await r.text()
    return await console_csrf(client)


async def console_login(client, username: str, password: str = PASSWORD) -> str:
    r = await client.post("/admin/login", data={"username": username, "password": password}, allow_redirects=False)
    assert r.status == 302, await r.text()
    return await console_csrf(client)


async def console_csrf(client) -> str:
    import re

    page = await (await client.get("/admin/account")).text()
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


async def console_account(client, csrf: str, username: str, role: str, password: str = PASSWORD) -> None:
    """An administrator (signed in on ``client``) adds an account on the accounts page."""
    r = await client.post(
        "/admin/users/add",
        data={"csrf": csrf, "username": username, "role": role, "password": password},
        allow_redirects=False,
    )
    assert r.status == 302 and "err=" not in r.headers["Location"], r.headers.get("Location")


def records_from_version(path, index, version: int, *missing: str):
    """A records database as version ``version`` left it (``missing``: the tables added since), holding one
    question, migrated to today's schema; returns the migrated connection."""
    from bot.store import Store, connect, migrate

    old = Store(path)
    old.question(channel="web", user_id=1, text="VNeID là gì", result=index.search("VNeID là gì"))
    old.close()
    db = connect(path)
    for table in missing:
        db[table].drop()
    db.execute(f"PRAGMA user_version = {version}")
    migrate(db)
    return db
