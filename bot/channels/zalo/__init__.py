"""The Zalo Official Account channel: a signed webhook in, the OA message API out, a token store.

Formats relied on (Zalo's own pages at developers.zalo.me were not in our searchable copies; these are
the public pages and code that describe them, read on 25/11/2026):

- Webhook signature: header ``X-ZEvent-Signature: mac=<hex>``, hex = sha256(app id + raw JSON body +
  the body's ``timestamp`` + OA secret key); the OA secret key, not the app secret.
  (hainh.me/zalo-api-php-webhook-callback-official-account.html, tinhoc88.com "Zalo API - PHP xử lý sự
  kiện webhook"; the same rule in open-source receivers on GitHub.) The same pages: answer 200 within about
  two seconds, or Zalo retries and eventually disables the webhook — hence the background processing.
- Webhook events: ``{"app_id", "user_id_by_app", "event_name": "user_send_text", "sender": {"id"},
  "recipient": {"id"}, "message": {"text", "msg_id"}, "timestamp": "1699003881354"}``; media events carry
  ``message.attachments[{type, payload}]``; ``follow`` / ``unfollow`` carry ``follower.id`` and ``oa_id``.
  (docs.a4b.vn XBot "ZaloPushToXBot"; the warriorteam redai-zalo-sdk WEBHOOK_EVENTS.md.)
- Sending: ``POST https://openapi.zalo.me/v3.0/oa/message/cs``, header ``access_token``, body
  ``{"recipient": {"user_id"}, "message": {"text"}}``; answers ``{"error": 0, "message": "Success",
  "data": {"message_id", "user_id"}}`` or ``{"error": <negative code>, "message": ...}`` with HTTP 200.
  Error codes: -216 "Access token không hợp lệ", -220 "access_token đã hết hạn hoặc không còn khả dụng"
  (an OA error table in public Odoo code); -124 is treated as an invalid token too (issue 12; another
  public receiver maps it so). Text limit: 2000 characters ("Giới hạn tối đa là 2.000 ký tự" for an OA
  consultation text, eSMS developer docs, a Zalo reseller); not confirmed on Zalo's own page.
- Token refresh: ``POST https://oauth.zaloapp.com/v4/oa/access_token``, form ``refresh_token``, ``app_id``,
  ``grant_type=refresh_token``, header ``secret_key`` = app secret; answers ``{"access_token",
  "refresh_token", "expires_in"}``; a refresh token is used once (hexasync.vn "Zalo OA API: Hướng dẫn cách
  lấy Access Token từ Refresh token"; beehexa.com "Zalo OA tutorial: creating access token").
"""

from bot.channels.zalo.webhook import register_zalo_routes

__all__ = ["register_zalo_routes"]
