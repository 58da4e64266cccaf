"""Everything a citizen reads that is not catalogue content, in one place."""

NOT_FOUND = "Xin lỗi, trợ lý chưa có câu trả lời cho câu hỏi này."
# A service the catalogue has no guide for yet (lexicon "uncovered"): said by name, so the citizen knows it is
# the subject that is missing, not their wording.
NOT_COVERED = "Xin lỗi, trợ lý chưa có hướng dẫn về «{subject}»."
RECORDED = "Câu hỏi của bạn đã được ghi lại để cán bộ bổ sung."  # only where it really was recorded
CLOSEST = "Các chủ đề gần nhất:"
DID_YOU_MEAN = "Có phải bạn muốn hỏi:"
HUMAN_HELP = (
    "Cần người hỗ trợ trực tiếp? Bạn có thể hỏi Tổ công nghệ số cộng đồng ở thôn, tổ dân phố; "
    "đến Trung tâm Phục vụ hành chính công của xã, phường; hoặc tra cứu thủ tục trên "
    "Cổng Dịch vụ công quốc gia https://dichvucong.gov.vn"
)
EMPTY_QUESTION = "Bạn hãy gõ câu hỏi bằng chữ, ví dụ: “Làm căn cước cho con ở đâu?”"
# A message that is only a greeting, thanks, "ok" or goodbye (knowledge/small_talk.py): a polite word back.
SMALL_TALK = {
    "thanks": "Không có gì ạ 😊 Bạn cần hỏi thêm gì cứ nhắn cho mình nhé.",
    "bye": "Chào bạn, chúc bạn một ngày tốt lành! Khi cần, cứ nhắn lại cho mình nhé.",
    "greeting": (
        "Xin chào! Mình là Trợ lý số, giải đáp về dịch vụ công trực tuyến và chuyển đổi số. "
        "Bạn cứ gõ câu hỏi như khi nói chuyện, ví dụ: “làm căn cước cho con ở đâu”, "
        "“đăng ký tạm trú cần giấy tờ gì”."
    ),
    "ok": "Dạ. Bạn cần hỏi gì thêm cứ nhắn cho mình nhé.",
    "not_helped": (
        "Xin lỗi vì câu trả lời chưa giúp được bạn. Bạn thử gõ lại câu hỏi theo cách khác, kèm tên thủ tục "
        "hoặc việc cần làm (ví dụ: “quên mật khẩu VNeID”).\n\n" + HUMAN_HELP
    ),
}
UNVERIFIED = "⚠️ Thông tin này đang chờ cán bộ kiểm tra lại; hãy đối chiếu trên trang chính thức trước khi làm."
STEPS = "Các bước"
DOCUMENTS = "Giấy tờ cần có"
FEE = "Lệ phí"
PROCESSING_TIME = "Thời gian giải quyết"
WHERE = "Nơi làm"
LEGAL_BASIS = "Căn cứ"
LINKS = "Trang chính thức"
ONLINE = "Làm trực tuyến"
PENALTY = "Xử phạt"
# The part a citizen asked for, as its heading; "online" falls back to where the procedure is done.
PART_LABELS = {
    "documents": DOCUMENTS,
    "fee": FEE,
    "processing_time": PROCESSING_TIME,
    "where": WHERE,
    "online": ONLINE,
    "penalty": PENALTY,
    "legal_basis": LEGAL_BASIS,
}
ONLINE_FROM_WHERE = "Nơi làm (trực tuyến hoặc trực tiếp)"
ABOUT = "Về «{title}»:"
PART_MISSING = (
    "Mục này chưa có thông tin đã xác nhận về {label}. "
    "Bạn xem trên trang chính thức hoặc hỏi bộ phận một cửa xã, phường."
)
PART_UNCONFIRMED = "⚠️ Thông tin này chưa được cán bộ xác nhận; hãy đối chiếu trên trang chính thức."
NATIONAL_PORTAL = "Cổng Dịch vụ công quốc gia: https://dichvucong.gov.vn"
WHOLE_GUIDE = "📖 Xem toàn bộ hướng dẫn"
RELATED_PROCEDURE = "📋 Các bước, hồ sơ"
RELATED_FAQ = "💬 Giải thích thêm"
SEE_ALSO = "Xem thêm:"
ASK_BACK = "Bạn đang hỏi {what} của thủ tục nào? Hãy gõ kèm tên thủ tục, ví dụ: “{example}”."
ASK_BACK_CHOICES = "Bạn hỏi {what} của mục nào ở trên? Gõ số để chọn (1, 2…), mình sẽ trả lời đúng phần đó."
ASK_BACK_WHICH = "Bạn hỏi về thủ tục hay việc gì? Hãy gõ rõ hơn, ví dụ: “làm căn cước cho con ở đâu”."
ASK_BACK_MORE = (
    "Bạn muốn hỏi gì thêm về «{title}»? Ví dụ: “cần giấy tờ gì”, “lệ phí bao nhiêu”, “mất bao lâu”, "
    "“nộp ở đâu”, “làm online được không”."
)
ASK_BACK_WHAT = {
    "documents": "giấy tờ",
    "fee": "lệ phí",
    "processing_time": "thời gian giải quyết",
    "where": "nơi làm",
    "online": "việc làm trực tuyến",
    "penalty": "mức phạt",
    "legal_basis": "căn cứ pháp lý",
}
ASK_BACK_EXAMPLE = {
    "documents": "làm căn cước cần giấy tờ gì",
    "fee": "lệ phí cấp đổi căn cước bao nhiêu",
    "processing_time": "đăng ký tạm trú mất bao lâu",
    "where": "đăng ký khai sinh nộp ở đâu",
    "online": "đăng ký tạm trú làm online được không",
    "penalty": "không đăng ký tạm trú có bị phạt không",
    "legal_basis": "lý lịch tư pháp căn cứ luật nào",
}
CHOOSE_BY_NUMBER = "Trả lời bằng số (1, 2, 3…) để chọn."
CHOOSE_IN_RANGE = "Bạn gõ một số từ 1 đến {n} để chọn, hoặc gõ câu hỏi mới nhé."
CHOOSE_THE_ONE = "Bạn gõ 1 để mở mục đã gợi ý, hoặc gõ câu hỏi mới nhé."
REVIEWED = "Cập nhật"
LOCAL_CHAT_INTRO = (
    "Trợ lý số – hỏi đáp thủ tục hành chính, dịch vụ công trực tuyến.\nGõ câu hỏi rồi nhấn Enter (Ctrl+D để thoát)."
)

CLI_USAGE = """Trợ lý số – cách dùng:
  python -m bot run         chạy trợ lý: trò chuyện trên web, bảng quản trị, Telegram khi có token
  python -m bot ask "câu hỏi"   hỏi thử một câu (không có câu hỏi: đọc từng dòng từ stdin)
  python -m bot chat        trò chuyện ngay trong cửa sổ dòng lệnh
  python -m bot validate    kiểm tra dữ liệu hỏi đáp và danh mục thủ tục
  python -m bot stats       số mục theo lĩnh vực
  python -m bot eval        đo độ chính xác trên bộ câu hỏi mẫu
  python -m bot poster -o ap-phich.pdf   áp phích mã QR để in (--sector ID, --entry ID; .png cũng được)
  python -m bot address "xã Đăk Cấm, TP Kon Tum"   tra xã, phường mới của địa chỉ cũ
  python -m bot communes    kiểm tra danh bạ trụ sở xã, phường (--generate: tạo danh sách tên)
  python -m bot users add|list|disable|enable|reset   tài khoản cán bộ của bảng quản trị
Xem thêm tuỳ chọn của từng lệnh: python -m bot <lệnh> --help"""
CLI_EMPTY_QUESTION = (
    'Chưa có câu hỏi. Hãy gõ câu hỏi trong dấu ngoặc kép, ví dụ: python -m bot ask "làm căn cước ở đâu"'
)
PORT_BUSY = (
    "Cổng {port} trên {host} đang bận (có thể trợ lý đã chạy ở cửa sổ khác, hoặc chương trình khác dùng cổng này). "
    "Chọn cổng khác, ví dụ: PORT={other} make run"
)

# --- Telegram ---
GREETING = (
    "Xin chào{name}! Mình là <b>Trợ lý số</b> 👋\n"
    "Mình giải đáp về chuyển đổi số và dịch vụ công trực tuyến: căn cước, VNeID, khai sinh, cư trú, "
    "thuế, bảo hiểm, giấy phép lái xe, an toàn trên mạng…\n\n"
    "Bạn cứ gõ câu hỏi như khi nói chuyện, có dấu hay không dấu đều được. "
    "Hoặc chọn một lĩnh vực bên dưới:"
)
HELP = (
    "<b>Cách dùng Trợ lý số</b>\n"
    "• Gõ câu hỏi, ví dụ: <i>làm căn cước cho con ở đâu</i>\n"
    "• /linhvuc – xem theo lĩnh vực\n"
    "• /timkiem từ khoá – tìm mục có từ khoá, ví dụ <i>/timkiem tạm trú</i>\n"
    "• /hotro câu hỏi – gửi câu hỏi cho cán bộ khi trợ lý chưa trả lời được\n"
    "• Dưới mỗi câu trả lời, bấm 👍 hoặc 👎 để góp ý.\n\n"
    "Trợ lý không bao giờ hỏi mật khẩu, mã OTP hay số tài khoản của bạn."
)
SECTORS = "Chọn lĩnh vực:"
SECTOR_ENTRIES = "<b>{title}</b> – chọn một mục:"
SEARCH_USAGE = "Gõ từ khoá sau lệnh, ví dụ: /timkiem tạm trú"
SEARCH_RESULTS = "Kết quả cho “{query}”:"
SEARCH_NONE = "Không tìm thấy mục nào cho “{query}”."
NON_TEXT = "Xin lỗi, mình chỉ đọc được tin nhắn chữ. Bạn hãy gõ câu hỏi bằng chữ nhé."
SLOW_DOWN = "Bạn gửi nhanh quá, chậm lại một chút nhé 🙏 Mình sẽ trả lời ngay sau ít giây."
STALE_BUTTON = "Nút này đã cũ (nội dung vừa được cập nhật). Bạn gõ lại câu hỏi giúp mình nhé."
UNKNOWN_ENTRY = "Không tìm thấy mục này, có thể nội dung đã được cập nhật. Bạn gõ câu hỏi để mình tìm lại nhé."
THANKS_HELPFUL = "Cảm ơn bạn! 👍"
THANKS_NOT_HELPFUL = "Cảm ơn bạn đã góp ý, cán bộ sẽ xem lại câu trả lời này."
HELPFUL = "👍 Hữu ích"
NOT_HELPFUL = "👎 Chưa đúng"
PREVIOUS = "◀ Trước"
NEXT = "Tiếp ▶"
COMMANDS = [
    ("start", "Bắt đầu"),
    ("help", "Hướng dẫn sử dụng"),
    ("linhvuc", "Xem theo lĩnh vực"),
    ("timkiem", "Tìm theo từ khoá"),
    ("hotro", "Gửi câu hỏi cho cán bộ"),
]
NO_DATABASE = "Chưa có cơ sở dữ liệu ghi nhận câu hỏi (DATABASE_PATH)."

# --- Hand-off to staff ---
ASK_STAFF = "🙋 Gửi câu hỏi cho cán bộ"
CONSENT = (
    "Trợ lý sẽ gửi cho cán bộ của xã, phường:\n"
    "• nội dung câu hỏi: “{text}”\n"
    "• tên Telegram của bạn: {name}\n"
    "Không gửi gì khác (không gửi số điện thoại hay tài khoản). Cán bộ trả lời qua trợ lý này. Bạn đồng ý chứ?"
)
CONSENT_YES = "✅ Đồng ý gửi"
CONSENT_NO = "✖ Không gửi"
CONSENT_DECLINED = "Đã huỷ, câu hỏi không được gửi."
TICKET_SENT = "Đã gửi câu hỏi cho cán bộ. Mã của bạn: {ref}. {expectation}"
TICKET_NOT_DELIVERED = (
    "Câu hỏi đã được ghi lại với mã {ref}, nhưng tạm thời chưa chuyển được tới cán bộ. "
    "Cán bộ sẽ xem trong bảng quản trị; bạn cũng có thể hỏi Trung tâm Phục vụ hành chính công của xã, phường."
)
FOLLOW_UP = "✍️ Bổ sung câu hỏi"
FOLLOW_UP_PROMPT = "Bạn gõ nội dung bổ sung (một tin nhắn), mình sẽ chuyển cho cán bộ."
FOLLOW_UP_SENT = "Đã chuyển phần bổ sung cho cán bộ ({ref})."
FOLLOW_UP_USED = "Mỗi câu hỏi chỉ bổ sung được một lần. Nếu cần, bạn hãy hỏi câu mới."
STAFF_REPLY = "💬 Cán bộ trả lời ({ref}):\n{text}"
TICKET_CLOSED_CITIZEN = "Cán bộ đã đóng câu hỏi {ref}. Cảm ơn bạn! Bạn có thể hỏi tiếp bất cứ lúc nào."
HOTRO_USAGE = "Gõ câu hỏi sau lệnh, ví dụ: /hotro tôi cần xin giấy xác nhận cư trú gấp"
HANDOFF_OFF = "Hiện chưa có cán bộ trực qua trợ lý. " + HUMAN_HELP
STAFF_POST = (
    "🆕 {ref} · {time}\n{name} hỏi:\n{text}\n\nTrợ lý đã gợi ý: {suggested}\n\n↩️ Trả lời tin này để gửi cho người hỏi."
)
STAFF_FOLLOWUP = "➕ Bổ sung cho {ref}:\n{text}"
STAFF_DONE = "✅ Đã xong"
STAFF_HINT = "Tin này không gắn với câu hỏi nào đang mở. Hãy trả lời (reply) đúng tin 🆕 của câu hỏi."
STAFF_TICKET_CLOSED = "Câu hỏi {ref} đã đóng; tin trả lời không được gửi."
STAFF_DELIVERY_FAILED = "⚠️ Không gửi được cho người hỏi {ref} ({reason}). Đã ghi vào câu hỏi."
TICKETS_NONE = "Không có câu hỏi nào đang chờ."
# Hand-off on channels without buttons (Zalo): typed words instead of taps.
HANDOFF_OFFER_TEXT = "🙋 Muốn nhờ cán bộ trả lời, bạn gõ: HOTRO"
CONSENT_SHARED = (  # what is shared, on channels without a Telegram name (web chat, Zalo)
    "Trợ lý sẽ gửi cho cán bộ của xã, phường:\n"
    "• nội dung câu hỏi: “{text}”\n"
    "Không gửi gì khác (không gửi số điện thoại hay tài khoản). Cán bộ trả lời qua trợ lý này."
)
CONSENT_TEXT = CONSENT_SHARED + "\nGõ ĐỒNG Ý để gửi, hoặc KHÔNG để huỷ."  # Zalo: agreed by typing
HANDOFF_NEEDS_CHAT = (
    "Để cán bộ trả lời lại được cho bạn, hãy hỏi từ trang trò chuyện của trợ lý (trình duyệt cần cho phép "
    "cookie). " + HUMAN_HELP
)
HOTRO_TEXT_USAGE = "Bạn gõ HOTRO kèm câu hỏi, ví dụ: HOTRO tôi cần xin giấy xác nhận cư trú gấp"

# --- Zalo (plain text: no HTML, no buttons; choices are answered with a number) ---
ZALO_GREETING = (
    "Xin chào! Mình là Trợ lý số 👋\n"
    "Mình giải đáp về chuyển đổi số và dịch vụ công trực tuyến: căn cước, VNeID, khai sinh, cư trú, "
    "thuế, bảo hiểm, giấy phép lái xe, an toàn trên mạng…\n\n"
    "Bạn cứ gõ câu hỏi như khi nói chuyện, có dấu hay không dấu đều được, ví dụ: “Làm căn cước cho con ở đâu?”\n"
    "Trợ lý không bao giờ hỏi mật khẩu, mã OTP hay số tài khoản của bạn."
)
ZALO_FEEDBACK_HINT = "Câu trả lời có giúp được bạn không? Gõ 👍 hoặc 👎."

# Knowledge directory (KNOWLEDGE_DIR) not writable: the assistant serves, edits are off.
EDITS_OFF = (
    "Hiện chưa lưu được chỉnh sửa: thư mục nội dung (KNOWLEDGE_DIR) không ghi được. Trợ lý vẫn trả lời "
    "bình thường; nhờ người quản trị máy chủ cấp quyền ghi rồi thử lại."
)
# --- Web chat (the page and the embeddable widget) ---
WEB_GREETING = (
    "Xin chào! Mình là Trợ lý số 👋 Mình giải đáp về chuyển đổi số và dịch vụ công trực tuyến: căn cước, "
    "VNeID, khai sinh, cư trú, thuế, bảo hiểm… Bạn cứ gõ câu hỏi như khi nói chuyện, có dấu hay không dấu đều được."
)
WEB_EXAMPLES_LABEL = "Thử hỏi:"
WEB_EXAMPLES = (  # each is answered by the shipped catalogue (tests/test_web_chat.py checks)
    "Làm căn cước cho con ở đâu?",
    "Quên mật khẩu VNeID thì làm sao?",
    "Đăng ký khai sinh trực tuyến thế nào?",
)
WEB_SECTORS_LABEL = "Hoặc xem theo lĩnh vực:"
WEB_SECTOR_ENTRIES = "{title} – chọn một mục:"
WEB_INPUT_LABEL = "Câu hỏi của bạn"
WEB_PLACEHOLDER = "Gõ câu hỏi…"
WEB_HINT = "Enter để gửi · Shift+Enter để xuống dòng"
WEB_SEND = "Gửi"
WEB_WAITING = "Đang trả lời…"
WEB_FAILED = "Xin lỗi, chưa gửi được (lỗi kết nối). Câu hỏi vẫn ở trong ô bên dưới, bạn bấm Gửi để thử lại nhé."
WEB_CLEAR = "Xoá cuộc trò chuyện"
WEB_TITLE = "Trợ lý số – Hỏi đáp"


def not_found(subject: str = "") -> str:
    """The first line of an honest no-answer: naming the service without a guide, when that is the reason."""
    return NOT_COVERED.format(subject=subject) if subject else NOT_FOUND
