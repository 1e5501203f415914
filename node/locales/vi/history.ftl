# Diễn biến của vụ việc: mỗi dòng là một việc đã ghi nhận; một việc không có hiệu lực kèm lý do.

## Loại nội dung, lý do chuyển lên cấp trên
kind-complaint = khiếu nại
kind-denunciation = tố cáo
kind-petition = kiến nghị
kind-feedback = phản ánh
escalation-second-instance = khiếu nại lần hai
escalation-repeat-denunciation = tố cáo tiếp
escalation-overdue = quá thời hạn mà chưa được giải quyết

## Việc đã ghi nhận
did-received = Tiếp nhận { $kind } tại { $site }, { $people } người{ $refused ->
    [yes] ; từ chối tiếp
   *[no] {""}
}
did-classified = Phân loại: { $kind }{ $complex ->
    [yes] , vụ việc phức tạp
   *[no] {""}
}{ $remote ->
    [yes] , vùng sâu, vùng xa
   *[no] {""}
}
did-accepted = Thụ lý giải quyết (quyết định số { $decision })
did-guided = Hướng dẫn công dân đến { $body }
did-forwarded = Chuyển đơn đến { $body } (văn bản số { $letter })
did-transferred = Chuyển đơn đến { $site } (văn bản số { $letter })
did-ordered = Giao { $site } giải quyết
did-escalated = Chuyển lên { $site }: { $reason }
did-extended = Gia hạn giải quyết thêm { $days } ngày
did-suspended = Tạm đình chỉ giải quyết
did-resumed = Tiếp tục giải quyết sau { $days } ngày tạm đình chỉ
did-dialogue = Đối thoại ngày { $date }
did-decided = Ra quyết định giải quyết khiếu nại lần { $instance }
did-concluded = Ra kết luận nội dung tố cáo
did-final = Quyết định giải quyết có hiệu lực pháp luật
did-partly-withdrawn = Một số người trong nhóm rút đơn; vụ việc tiếp tục với những người còn lại
did-withdrawn = Rút đơn
did-closed = Kết thúc, lưu hồ sơ
did-note = Ghi chú vào hồ sơ
did-recording-attached = Gắn bản ghi hình phiên { $session } vào hồ sơ
did-identity-viewed = { $by } ({ $role }) xem danh tính người tố cáo
did-citizen-notified = Gửi văn bản số { $letter } cho công dân
did-received-online = Tiếp công dân trực tuyến tại phiên { $session } ngày { $date }
did-assigned = { $site } được giao nhiệm vụ theo Thông báo kết luận số { $notice }, hạn { $due }
did-assignment-reported = Báo cáo kết quả thực hiện nhiệm vụ theo Thông báo kết luận số { $notice }
did-reply-received = Nhận văn bản phúc đáp số { $letter } của { $body }
did-tried = Việc { $act } không có hiệu lực

## Lý do một việc không có hiệu lực
why-invalid = dữ liệu không hợp lệ: { $error }
why-second-reception = vụ việc đã có lượt tiếp nhận
why-unknown-site = mã đơn vị { $site } không có trong danh mục chính thức
why-no-reception = vụ việc chưa có lượt tiếp nhận
why-outside-audience = { $site } không thuộc các đơn vị được biết về vụ việc
why-not-holder = { $site } không giải quyết vụ việc này: chỉ { $holder } hoặc cấp trên của đơn vị đó được thực hiện
why-closed = vụ việc đã kết thúc
why-refused = đã từ chối tiếp: vụ việc chỉ có thể kết thúc
why-not-now = vụ việc đang ở trạng thái “{ $status }”
why-not-under = { $site } không phải cấp dưới của { $holder }
why-handed-on-too-often = vụ việc đã được chuyển { $max } lần
why-only-complaint-second-instance = chỉ khiếu nại mới có giải quyết lần hai
why-second-instance-is-last = giải quyết lần hai là lần cuối: người khiếu nại có quyền khởi kiện ra Tòa án (Điều 7 Luật Khiếu nại 2011)
why-second-instance-before-decision = khiếu nại lần hai chỉ sau khi có quyết định giải quyết lần đầu (khoản 1 Điều 33 Luật Khiếu nại 2011); khiếu nại chưa được giải quyết đúng hạn thì chuyển với lý do quá hạn
why-only-denunciation-repeats = chỉ tố cáo mới có tố cáo tiếp
why-denunciation-not-sealed = danh tính người tố cáo phải được bảo mật: ghi nhận lại thành lượt tiếp mới có danh tính bảo mật (Điều 47 Luật Tố cáo 2018)
why-kind-fixed = không thể đổi loại nội dung sau khi đã thụ lý
why-only-denunciation-extends = chỉ thời hạn giải quyết tố cáo mới được gia hạn (Điều 30 Luật Tố cáo 2018); khiếu nại phức tạp thì phân loại là vụ việc phức tạp
why-extensions-used = thời hạn giải quyết tố cáo chỉ được gia hạn tối đa { $max } lần (Điều 30 Luật Tố cáo 2018)
why-dialogue-only-complaint = đối thoại thuộc thủ tục giải quyết khiếu nại (Điều 30 Luật Khiếu nại 2011)
why-decision-only-complaint = chỉ khiếu nại kết thúc bằng quyết định giải quyết; tố cáo kết thúc bằng kết luận
why-conclusion-only-denunciation = chỉ tố cáo kết thúc bằng kết luận nội dung tố cáo
why-partial-withdrawal-alone = một người không thể rút đơn một phần: ghi nhận rút toàn bộ
why-assignee-outside-audience = { $site } không thuộc các đơn vị được biết về vụ việc nên không thể được giao nhiệm vụ
why-no-such-assignment = Thông báo kết luận số { $notice } không giao nhiệm vụ nào về vụ việc này cho { $site }
why-nothing-to-reply-to = { $site } chưa chuyển đơn này đi: không có văn bản phúc đáp nào để ghi nhận
why-case-full = vụ việc đã có { $max } sự kiện
why-misrouted = việc { $act } không thuộc bước này
