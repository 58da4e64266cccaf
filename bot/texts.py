"""Everything a citizen reads that is not catalogue content, in one place."""

NOT_FOUND = "Xin lỗi, trợ lý chưa có câu trả lời cho câu hỏi này."
RECORDED = "Câu hỏi của bạn đã được ghi lại để cán bộ bổ sung."  # only where it really was recorded
CLOSEST = "Các chủ đề gần nhất:"
DID_YOU_MEAN = "Có phải bạn muốn hỏi:"
HUMAN_HELP = (
    "Cần người hỗ trợ trực tiếp? Bạn có thể hỏi Tổ công nghệ số cộng đồng ở thôn, tổ dân phố; "
    "đến Trung tâm Phục vụ hành chính công của xã, phường; hoặc tra cứu thủ tục trên "
    "Cổng Dịch vụ công quốc gia https://dichvucong.gov.vn"
)
EMPTY_QUESTION = "Bạn hãy gõ câu hỏi bằng chữ, ví dụ: “Làm căn cước cho con ở đâu?”"
UNVERIFIED = "⚠️ Thông tin này đang chờ cán bộ kiểm tra lại; hãy đối chiếu trên trang chính thức trước khi làm."
STEPS = "Các bước"
DOCUMENTS = "Giấy tờ cần có"
FEE = "Lệ phí"
PROCESSING_TIME = "Thời gian giải quyết"
WHERE = "Nơi làm"
LEGAL_BASIS = "Căn cứ"
LINKS = "Trang chính thức"
REVIEWED = "Cập nhật"
LOCAL_CHAT_INTRO = (
    "Trợ lý số – hỏi đáp thủ tục hành chính, dịch vụ công trực tuyến.\nGõ câu hỏi rồi nhấn Enter (Ctrl+D để thoát)."
)
