# Nhãn của các thuật ngữ nghiệp vụ.

## Việc làm với vụ việc (đọc sau “không thể …”)
act-received = tiếp nhận
act-classified = phân loại
act-accepted = thụ lý
act-guided = hướng dẫn, trả lại đơn
act-transferred = chuyển đơn
act-ordered-to-resolve = giao cấp dưới giải quyết
act-escalated = chuyển lên cấp trên
act-extended = gia hạn
act-suspended = tạm đình chỉ
act-resumed = tiếp tục giải quyết
act-dialogue = ghi nhận đối thoại
act-decided = ra quyết định giải quyết
act-concluded = ra kết luận
act-final = ghi nhận quyết định có hiệu lực
act-withdrawn = ghi nhận rút đơn
act-closed = kết thúc hồ sơ
act-note = ghi chú
act-recording-attached = gắn bản ghi hình
act-identity-viewed = xem danh tính
act-forwarded = chuyển tiếp
act-citizen-notified = ghi nhận thông báo cho công dân
act-received-online = ghi nhận lượt tiếp trực tuyến
act-assigned = giao nhiệm vụ theo thông báo kết luận
act-assignment-reported = báo cáo kết quả thực hiện nhiệm vụ
act-reply-received = ghi nhận văn bản phúc đáp
act-other = thực hiện việc này

## Trạng thái vụ việc
status-received = Đã tiếp nhận
status-refused = Từ chối tiếp
status-classified = Đã phân loại
status-accepted = Đã thụ lý
status-guided = Đã hướng dẫn
status-forwarded = Đã chuyển đơn
status-transferred = Đã chuyển cấp khác
status-escalated = Đã chuyển cấp trên
status-suspended = Tạm đình chỉ
status-decided = Đã có quyết định giải quyết
status-concluded = Đã có kết luận
status-final = Quyết định có hiệu lực
status-withdrawn = Đã rút đơn
status-closed = Đã kết thúc
status-other = Không rõ

## Vai trò
role-operator = Quản trị hệ thống
role-officer = Cán bộ tiếp công dân
role-chair = Người chủ trì
role-participant = Người tham dự (thẻ tham dự)
role-other = Không rõ

## Quyền (đọc sau “không được …”)
action-site-status = xem tình trạng điểm tiếp
action-metrics = xem số liệu giám sát
action-pki = cấp, thu hồi chứng thư và duyệt yêu cầu gia nhập
action-publish-calendar = công bố lịch nghỉ lễ, ngày làm bù
action-manage-users = quản lý người dùng
action-link-test = đo kết nối
action-receive = ghi nhận lượt tiếp công dân
action-case-read = xem vụ việc và sổ tiếp công dân
action-case-work = xử lý vụ việc
action-case-decision = ra quyết định, kết luận về vụ việc
action-identity-view = xem danh tính người tố cáo
action-session-read = xem phiên tiếp trực tuyến
action-session-schedule = lên lịch phiên tiếp trực tuyến
action-session-chair = điều hành phiên (chủ trì)
action-session-attend = ghi nhận diễn biến tại điểm cầu
action-session-self = tham dự phiên
action-test-signal = phát tín hiệu thử
action-issue-pass = cấp thẻ tham dự phiên
action-media = truyền hình ảnh, âm thanh của phiên
action-report-read = xem báo cáo và giám sát cấp dưới
action-report-submit = nộp báo cáo lên cấp trên
