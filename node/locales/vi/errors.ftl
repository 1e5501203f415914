# Thông báo lỗi gửi tới người dùng (mã `code` của API giữ nguyên tiếng Anh).

## Chung
error-missing = Chưa nhập { $field }: đây là trường bắt buộc.
error-too-long = { $field } quá dài: { $found } ký tự, tối đa { $max } ký tự.
error-not-single-line = { $field } phải nằm trên một dòng, không có ký tự điều khiển.
error-control-characters = { $field } không được chứa ký tự điều khiển (xuống dòng và tab thì được).
error-too-many = Quá nhiều { $field }: { $found }, tối đa { $max }.
error-too-large = { $field } quá lớn: { $found } byte, tối đa { $max } byte.
error-invalid-hash = { $field } phải gồm 64 ký tự thập lục phân (mã băm BLAKE3).
error-invalid-site-code = “{ $code }” không phải mã đơn vị: dùng VN cho Trung ương, mã tỉnh 2 chữ số hoặc mã xã 5 chữ số.
error-site-unknown-code = Mã đơn vị “{ $code }” không có trong danh mục 3.356 đơn vị hành chính (2025): dùng VN cho Trung ương, mã tỉnh 2 chữ số hoặc mã xã 5 chữ số.
error-site-unknown-level = Cấp “{ $level }” không hợp lệ: chọn Trung ương, tỉnh hoặc xã.
error-said = { $text }

## Vụ việc
error-case-invalid-date = “{ $date }” không phải ngày hợp lệ: viết theo dạng NNNN-TT-NN, ví dụ 2026-07-01.
error-case-date-out-of-range = Ngày { $date } nằm ngoài khoảng năm 1900–2999 mà phần mềm chấp nhận.
error-case-unknown-kind = Loại nội dung “{ $kind }” không hợp lệ: chọn khiếu nại, tố cáo, kiến nghị hoặc phản ánh.
error-case-id-number-format = Số { $id_type } phải gồm đúng { $digits } chữ số, không có khoảng trắng.
error-case-people-count = Số người phải từ 1 đến { $max }; đã nhập { $found }.
error-case-crowd-representatives = Nhóm { $people } người phải cử từ { $min } đến { $max } người đại diện trong số những người đến, bằng văn bản có chữ ký của tất cả (Điều 29 Luật Tiếp công dân 2013); mới ghi { $found } người. Hãy ghi họ tên và giấy tờ cử đại diện của từng người.
error-case-more-representatives-than-people = { $found } người đại diện cho nhóm { $people } người: người đại diện được chọn trong số những người đến (Điều 29 Luật Tiếp công dân 2013).
error-case-denunciation-not-sealed = Danh tính người tố cáo phải được niêm phong trước khi ghi: họ tên, địa chỉ và số giấy tờ được giữ bí mật (Điều 47 Luật Tố cáo 2018; khoản 2 Điều 12 Nghị định 154/2026).
error-case-sealed-in-clear = { $field } của lượt tiếp đã niêm phong chỉ được nằm trong phần niêm phong: sự kiện đã ký phải để trống trường này.
error-case-refused-with-direction = Lượt tiếp bị từ chối thì không có hướng xử lý: bỏ hướng xử lý hoặc bỏ lý do từ chối (Điều 9 Luật Tiếp công dân 2013).
error-case-identity-protection-not-denunciation = Chỉ đơn tố cáo mới ghi việc người tố cáo có đề nghị giữ bí mật, bảo vệ danh tính hay không (Điều 47 Luật Tố cáo 2018); nội dung này là { $kind }: để “Không”.
error-case-anonymous-in-person = Công dân đến trực tiếp phải xuất trình giấy tờ tùy thân (khoản 1 Điều 12 Nghị định 154/2026): chỉ đơn gửi qua bưu chính hoặc do cơ quan, tổ chức khác chuyển đến mới có thể là đơn nặc danh.
error-case-anonymous-identity-protection = Đơn tố cáo nặc danh không rõ người tố cáo nên không có danh tính nào để bảo vệ (Điều 25, Điều 47 Luật Tố cáo 2018).
error-case-anonymous-denunciation-accepted = Đơn tố cáo nặc danh không được xử lý theo thủ tục giải quyết tố cáo (khoản 2 Điều 25 Luật Tố cáo 2018): không thụ lý; nếu thông tin rõ ràng, hướng dẫn hoặc chuyển đến cơ quan có thẩm quyền để thanh tra, kiểm tra.
error-case-evidence-pages = Mỗi tài liệu, chứng cứ có từ 1 đến { $max } trang; đã nhập { $found }.
error-case-mixed-too-few-parts = Nội dung hỗn hợp cần ít nhất 2 phần, mới có { $found }: một loại nội dung thì ghi như lượt tiếp thông thường.
error-case-mixed-duplicate-kind = Loại nội dung “{ $kind }” xuất hiện hai lần: mỗi loại nội dung chỉ một phần.
error-case-extension-days = Thời hạn gia hạn từ 1 đến { $max } ngày (Điều 30 Luật Tố cáo 2018); đã nhập { $found }.
error-case-same-site = Vụ việc đang do đơn vị { $site } xử lý: chọn đơn vị khác.
error-case-not-an-ancestor = Đơn vị { $to } không phải cấp trên của đơn vị { $from }: vụ việc chỉ chuyển lên theo tuyến của mình, xã lên tỉnh lên Trung ương (Điều 33 Luật Khiếu nại 2011; Điều 37–38 Luật Tố cáo 2018). Muốn gửi nơi khác, hãy chuyển đơn.
error-case-malformed = Không đọc được sự kiện của vụ việc: { $detail }
error-case-calendar-line = Lịch nghỉ lễ, dòng { $line }: { $detail }
error-case-exists = Mã vụ việc { $case } đã có: không ghi đè một vụ việc đã có.
error-case-not-found = Đơn vị này không có vụ việc { $case }.
error-case-no-reception = Vụ việc { $case } chưa có lượt tiếp nào.
error-not-allowed-now = Không thể { $act } lúc này: { $reason }.
error-case-not-your-record = Vụ việc { $case } do đơn vị { $owner } lập: đơn vị này không được ghi vào đó.
error-identity-not-here = Không thể mở danh tính đã niêm phong tại đơn vị này: { $detail }
error-identity-not-yours = Chỉ người được giao giải quyết vụ việc tại đơn vị đang xử lý mới được xem danh tính người tố cáo.

## Phiên tiếp trực tuyến
error-session-malformed = Không đọc được sự kiện của phiên: { $detail }
error-session-non-canonical = Sự kiện của phiên không ở dạng mã hóa chuẩn duy nhất của nó.
error-session-unsupported-version = Phiên bản sự kiện { $version } chưa được hỗ trợ: hãy cập nhật phần mềm của đơn vị.
error-session-invalid-id = { $field } chỉ gồm ký tự ASCII in được, không có khoảng trắng, tối đa { $max } byte.
error-session-time-out-of-range = { $field } không phải thời điểm hợp lệ.
error-session-no-component-points = Phiên cần ít nhất một điểm cầu thành phần ngoài đơn vị chủ trì.
error-session-duplicate-point = Đơn vị { $site } được chọn hai lần làm điểm cầu.
error-session-chair-among-components = Đơn vị chủ trì { $site } là điểm cầu trung tâm: không chọn lại trong các điểm cầu thành phần.
error-session-not-scheduled = Phiên chưa được lên lịch.
error-session-already-scheduled = Phiên đã được lên lịch: muốn đổi thời gian hay điểm cầu, hãy hủy phiên và lên lịch phiên mới.
error-session-not-genesis = Sự kiện lên lịch phải là sự kiện đầu tiên của phiên.
error-session-wrong-session = Sự kiện thuộc phiên { $found }, không phải phiên { $expected }.
error-session-not-the-chair = Chỉ đơn vị chủ trì { $chair } (điểm cầu trung tâm) được làm việc này; đơn vị { $author } thì không.
error-session-not-a-point = Đơn vị { $site } không phải điểm cầu của phiên này.
error-session-not-your-point = Đơn vị { $author } không thể thao tác thay điểm cầu { $point }: mỗi điểm cầu tự ghi người tham dự và kết nối của mình.
error-session-chair-outside-central-point = Người chủ trì ngồi tại điểm cầu trung tâm { $chair }, không phải tại { $point } (Điều 22 Nghị định 154/2026).
error-session-not-a-participant = Người tham dự { $participant } không có mặt tại điểm cầu { $point }.
error-session-not-holding-floor = Người tham dự { $participant } tại điểm cầu { $point } không đang giữ quyền phát biểu.
error-session-cannot-go-back = Phiên đang “{ $from }”: không thể quay lại “{ $to }”.
error-session-already = Phiên đã “{ $phase }”.
error-session-over = Phiên đã “{ $phase }”: không thể làm gì thêm.
error-session-wrong-phase = Không thể { $field } khi phiên đang “{ $phase }”.
error-session-already-linked = Vụ việc { $case } đã được gắn với phiên này.
error-session-not-found = Đơn vị này không có phiên { $session }.
error-session-category-unlinked = Vụ việc { $case } có trường hợp tiếp trực tuyến nhưng không nằm trong các vụ việc của phiên.
error-session-protected-denunciation = Không tiếp trực tuyến vụ việc { $case }: đây là tố cáo mà người tố cáo yêu cầu giữ bí mật, bảo vệ danh tính (khoản 4 Điều 20 Nghị định 154/2026/NĐ-CP).
error-session-category-not-for-kind = Vụ việc { $case } không thuộc trường hợp tại khoản { $clause } Điều 20 Nghị định 154/2026/NĐ-CP (khoản 1 dành cho khiếu nại, kiến nghị, phản ánh; khoản 4 dành cho tố cáo).
error-session-regular = Phiên tiếp trực tuyến là phiên định kỳ, đột xuất hoặc do người được ủy quyền tiếp, không phải tiếp thường xuyên.
error-session-category-missing = Chưa chọn trường hợp tiếp trực tuyến (Điều 20 Nghị định 154/2026/NĐ-CP) cho vụ việc { $case }.
error-session-task-unlinked = Vụ việc { $case } không thuộc phiên tiếp này: Thông báo kết luận chỉ giao nhiệm vụ về các vụ việc của phiên.
error-session-case-unknown = Đơn vị này không có vụ việc { $case }: không kiểm tra được vụ việc có được tiếp trực tuyến hay không (Điều 20 Nghị định 154/2026/NĐ-CP).
phase-scheduled = Đã lên lịch
phase-testing = Đang kết nối thử
phase-live = Đang diễn ra
phase-ended = Đã kết thúc
phase-cancelled = Đã hủy

## Máy chủ
error-store = Lỗi lưu trữ dữ liệu của đơn vị; chưa có gì bị mất. Báo cán bộ công nghệ thông tin (chi tiết trong nhật ký của nút).
error-internal = Lỗi nội bộ của máy chủ. Báo cán bộ công nghệ thông tin (chi tiết trong nhật ký của nút).
error-key-not-known = Chưa biết khóa mã hóa của đơn vị { $site } ({ $name }): khóa được biết khi đơn vị đó (hoặc một đơn vị đã biết nó) kết nối ít nhất một lần.
error-citizen-required = Chưa nhập đủ họ tên, địa chỉ và số giấy tờ tùy thân của công dân (khoản 2 Điều 25 Luật Tiếp công dân; Mẫu 03/TCD).
error-case-received-once = Mỗi vụ việc chỉ tiếp nhận một lần; lượt tiếp mới thì ghi ở trang Tiếp công dân.
error-case-hand-over-call = Chuyển đơn và chuyển lên cấp trên dùng nút riêng của chúng (mở rộng phạm vi người được xem vụ việc).
error-case-identity-view-entered = Lượt xem danh tính do hệ thống tự ghi, không nhập tay.
error-identity-role = Vai trò “{ $role }” không được xem danh tính người tố cáo; chỉ cán bộ tiếp công dân và người chủ trì được xem (khoản 2 Điều 12 Nghị định 154/2026).
error-session-start-format = Thời điểm bắt đầu “{ $text }” không hợp lệ: viết theo dạng NNNN-TT-NN GG:PP (giờ Việt Nam), ví dụ 2026-07-01 08:00.
error-session-start-missing = Chưa nhập thời điểm bắt đầu của phiên (NNNN-TT-NN GG:PP, giờ Việt Nam).
error-body = Nội dung yêu cầu không hợp lệ ({ $detail }).
error-no-such-call = Không có lệnh API này; xem ARCHITECTURE.md, mục Interfaces.

## Tài khoản và thẻ tham dự
error-account-wrong-password = Tên đăng nhập hoặc mật khẩu không đúng.
error-account-throttled = Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau { $seconds } giây.
error-account-disabled = Tài khoản này đã bị khóa. Liên hệ quản trị hệ thống của điểm tiếp.
error-account-no-such = Không có tài khoản { $name }.
error-account-exists = Đã có tài khoản { $name }.
error-account-bad-name = Tên đăng nhập gồm 3–32 ký tự: chữ thường không dấu, chữ số, dấu chấm, gạch dưới hoặc gạch ngang.
error-account-bad-full-name = Họ và tên gồm 1–128 ký tự, không có ký tự điều khiển.
error-account-bad-role = Vai trò “{ $role }” không có: chọn officer (cán bộ tiếp công dân), chair (người chủ trì) hoặc operator (quản trị hệ thống).
error-account-weak-password = Mật khẩu cần ít nhất { $min } ký tự.
error-account-password-too-long = Mật khẩu dài quá { $max } byte.
error-account-unknown-token = Mã truy cập không đúng hoặc tài khoản đã bị khóa (tạo mã bằng `tiepdan user token`).
error-account-none = Chỉ người có tài khoản mới đổi được mật khẩu của mình.
error-pass-role = Thẻ tham dự chỉ cấp cho công dân, người đại diện hoặc cơ quan tham dự.
error-pass-full-name = Họ tên người tham dự gồm 1–128 ký tự.
error-pass-minutes = Thời hạn thẻ từ 1 đến { $max } phút.
error-passes-full = Điểm tiếp đang giữ quá nhiều thẻ tham dự còn hạn.

## Quyền và đăng nhập
error-role-forbidden = Vai trò { $role } không được { $action }.
error-no-rule = Lệnh này chưa được phân quyền; không ai được gọi.
error-token-refused = Mã truy cập không đúng, đã hết hạn hoặc tài khoản đã bị khóa.
error-not-signed-in = Cần đăng nhập (trang /dang-nhap) hoặc gửi `Authorization: Bearer <mã>` (mã của quản trị hệ thống nằm trong tệp operator.token của thư mục dữ liệu).
error-pass-scope = Thẻ tham dự chỉ dùng được cho phiên đã cấp thẻ.
error-pass-acts = Thẻ tham dự chỉ cho phép người giữ thẻ tham gia, rời phiên hoặc xin phát biểu.
error-not-the-chair = Chỉ người chủ trì, bằng tài khoản của mình, tham gia phiên với vai trò chủ trì.
error-identity-account-of-other = Chỉ cán bộ tự tham gia bằng tài khoản của mình mới được xác thực bằng tài khoản; với người khác, hãy ghi giấy tờ tùy thân đã kiểm tra.
error-test-signal-seconds = Thời lượng tín hiệu thử từ 1 đến { $max } giây.
error-publisher-id = Mã nguồn phát gồm 1–64 ký tự ASCII in được.
error-query = Tham số tìm kiếm không hợp lệ ({ $detail }).
error-list-limit = Mỗi trang có từ 1 đến { $max } vụ việc.
error-list-status = Không có trạng thái “{ $status }”.
error-list-date = Ngày “{ $date }” không hợp lệ: ghi theo dạng NNNN-TT-NN (ví dụ 2026-08-03).
error-list-sort = Không sắp xếp được theo “{ $sort }”: chọn received, -received, due, -due, id hoặc -id.
error-list-due = Không có bộ lọc hạn “{ $due }”: chọn near (sắp đến hạn) hoặc overdue (quá hạn).
error-year-or-range = Chọn theo năm hoặc theo khoảng ngày (từ … đến …), không chọn cả hai.
error-logbook-format = Không có định dạng “{ $format }”: chọn csv hoặc html.

## Gia nhập, chứng thư, kết nối
error-join-secret = Mã bí mật gồm { $min } đến { $max } ký tự.
error-join-csr = Yêu cầu cấp chứng thư không đọc được: { $detail }
error-join-not-here = Đơn vị { $site } ({ $name }) không gia nhập dưới { $here } ({ $here_name }) được: Trung ương nhận các tỉnh, mỗi tỉnh nhận các xã của mình.
error-join-too-many-for-site = Đơn vị { $site } đã có { $max } yêu cầu gia nhập đang chờ; quản trị hệ thống duyệt hoặc từ chối chúng trước.
error-join-too-many = Đang có { $max } yêu cầu gia nhập chờ tại đây; thử lại khi quản trị hệ thống đã xử lý.
error-join-not-found = Không có yêu cầu gia nhập số { $id }.
error-join-decided = Yêu cầu gia nhập số { $id } đã được xử lý ({ $state }).
error-join-wrong-secret = Mã bí mật của yêu cầu gia nhập không đúng.
error-join-rejected = Quản trị hệ thống của đơn vị cấp trên đã từ chối yêu cầu gia nhập này.
error-join-certified = Đơn vị { $site } đang giữ chứng thư còn hiệu lực do đơn vị này cấp (đến { $until }); nếu máy của đơn vị đã được thay, hãy duyệt với "replacement": true.
error-join-rate = Quá nhiều yêu cầu gia nhập từ địa chỉ này; chờ một phút.
error-join-secret-header = Gửi mã bí mật gia nhập trong tiêu đề { $header }.
error-pki = Không thực hiện được yêu cầu về chứng thư: { $detail }
error-no-link = Không có kết nối đang hoạt động tới đơn vị { $site }: xem GET /api/v1/peers.
error-link-test-size = Dung lượng đo từ 1 đến { $max } MB; đã nhập { $found }.
error-link-test-busy = Một lần đo kết nối khác đang chạy tại nút này; thử lại khi nó xong.
error-link-test-timeout = Đo kết nối tới { $site } không xong trong { $seconds } giây.
error-link-test-failed = Đo kết nối tới { $site } thất bại: { $detail }

## Hình ảnh, âm thanh của phiên
error-media-malformed-sdp = Đề nghị kết nối (SDP) không đọc được: { $detail }
error-media-unsupported-offer = Đề nghị kết nối (SDP) không dùng được: { $detail }
error-media-invalid = Yêu cầu không hợp lệ: { $detail }
error-media-unknown-session = Không có phiên này.
error-media-ended = Phiên đã kết thúc.
error-media-not-a-point = Đơn vị này không phải điểm cầu của phiên.
error-media-unknown-publisher = Không có nguồn phát “{ $publisher }” trong phiên.
error-media-unknown-resource = Không có kết nối hình ảnh, âm thanh này.
error-media-full = Cổng truyền hình ảnh đã đủ { $max } kết nối.
error-media-stopped = Cổng truyền hình ảnh không chạy.
error-media-role = Vai trò { $role } không tham gia phòng họp trực tuyến.
error-media-identity-mismatch = Người gọi là { $participant } ({ $role }) tại { $site }: tham số site, participant, role không được khác.
error-media-content-type = Gửi đề nghị kết nối SDP với Content-Type: { $type }.

## Lịch nghỉ lễ do Trung ương công bố
error-calendar-too-large = Bản lịch dài { $found } byte, quá giới hạn { $max } byte: đây không phải bản lịch nghỉ lễ của tiepdan.
error-calendar-garbled = Bản lịch bị hỏng hoặc không đúng định dạng ({ $detail }): nó đã bị sửa trên đường truyền hoặc không phải bản lịch của tiepdan.
error-calendar-unsupported-version = Bản lịch có phiên bản { $version }, nút này chỉ đọc được phiên bản { $supported }: cần nâng cấp nút.
error-calendar-not-central = Lịch nghỉ lễ chỉ do Ban Tiếp công dân Trung ương ({ $central }) công bố; bản này ghi nơi ban hành là «{ $site }».
error-calendar-year-out-of-range = Năm { $year } nằm ngoài khoảng { $min }–{ $max } mà phần mềm chấp nhận.
error-calendar-no-days = Bản lịch năm { $year } không có ngày nào: cần ít nhất một dòng ngày nghỉ hoặc ngày làm bù.
error-calendar-too-many-days = Bản lịch có { $found } ngày, một năm có nhiều nhất { $max } ngày.
error-calendar-outside-year = Ngày { $date_vi } không thuộc năm { $year }: mỗi bản lịch chỉ ghi các ngày của một năm.
error-calendar-not-in-order = Các ngày trong bản lịch không theo thứ tự thời gian.
error-calendar-day = Ngày { $date_vi }: { $problem }.
error-calendar-line = Dòng { $line } của lịch: { $problem }.
error-calendar-from-the-future = Bản lịch ghi thời điểm ban hành { $issued_at } (giây Unix), muộn hơn đồng hồ của nút này ({ $now }): cần kiểm tra đồng hồ của máy này và của Trung ương.
error-calendar-bad-signature = Chữ ký của bản lịch không phải của Trung ương: bản lịch đã bị sửa hoặc bị giả mạo.
error-calendar-publish-not-central = Chỉ Ban Tiếp công dân Trung ương ({ $central }) công bố lịch nghỉ lễ; điểm { $site } nhận lịch từ Trung ương.
error-calendar-row-header = dòng tiêu đề phải là { $header }
error-calendar-row-too-many = quá { $max } dòng
error-calendar-row-columns = cần đủ 4 cột: { $header }
error-calendar-row-date = ngày «{ $text }» không hợp lệ: viết theo dạng YYYY-MM-DD, ví dụ 2028-09-01
error-calendar-row-name-and-source = cần có tên ngày và căn cứ pháp lý, không để khoảng trắng ở đầu hoặc cuối
error-calendar-row-name-too-long = tên ngày dài quá { $max } byte
error-calendar-row-source-too-long = căn cứ pháp lý dài quá { $max } byte
error-calendar-row-characters = tên ngày không được chứa dấu phẩy, và không dòng nào được chứa ký tự điều khiển
error-calendar-row-twice = ngày { $date_vi } có hai dòng
error-calendar-row-already-weekend = ngày { $date_vi } là thứ Bảy hoặc Chủ nhật, vốn đã là ngày nghỉ (off chỉ dùng cho ngày thường)
error-calendar-row-already-working = ngày { $date_vi } là ngày thường, vốn đã là ngày làm việc (work chỉ dùng cho ngày làm bù thứ Bảy, Chủ nhật)
error-calendar-row-kind = loại ngày «{ $kind }» phải là off (nghỉ) hoặc work (làm bù)
error-task-outside-audience = { $site } không được biết về vụ việc { $case } nên không thể được giao nhiệm vụ về vụ việc đó: chỉ giao cho đơn vị đang giải quyết, đơn vị đã tiếp nhận hoặc cấp trên của các đơn vị ấy.
error-session-record-route = Biên bản và Thông báo kết luận của phiên { $session } được ban hành tại mục riêng của phiên (POST sessions/{ $session }/minutes, …/conclusion), để nội dung ghi nhận lấy đúng từ diễn biến của phiên.
error-no-minutes = Phiên { $session } chưa có biên bản: người chủ trì ban hành biên bản sau khi kết thúc phiên.

## Văn bản in (Mẫu số 01, 02/TCD)
error-form-no-refusal = Vụ việc { $case } không có lý do từ chối tiếp công dân, nên không có Thông báo từ chối tiếp công dân (Mẫu số 01/TCD).
error-form-no-evidence = Lượt tiếp của vụ việc { $case } không nhận thông tin, tài liệu nào, nên không có Giấy biên nhận (Mẫu số 02/TCD).
error-form-identity-sealed = Danh sách tài liệu của đơn tố cáo nằm trong phần được bảo mật; chỉ cán bộ tiếp công dân hoặc người chủ trì tại đơn vị được mở danh tính mới in được Giấy biên nhận (Mẫu số 02/TCD).
error-escalation-not-overdue = Vụ việc chưa quá hạn: thời hạn "{ $deadline }" đến hết ngày { $due }. Chỉ chuyển lên cấp trên vì quá hạn sau ngày đó; nếu có lý do khác, hãy chọn lý do đó.
error-reception-date-future = Ngày tiếp { $date } chưa đến: không ghi sổ cho một ngày trong tương lai.
error-event-date-future = Ngày { $date } chưa đến: chỉ ghi những việc đã diễn ra.
error-earlier-case-unknown = Vụ việc { $case } không có trong dữ liệu của điểm tiếp này: kiểm tra lại số vụ việc trước, hoặc để trống.
error-case-sector-not-for-kind = Lĩnh vực tham nhũng chỉ dành cho đơn tố cáo (Biểu 03/XLD); đây là đơn { $kind }: chọn lĩnh vực khác.
error-case-several-signatories-alone = Đơn có nhiều người đứng tên là đơn của nhiều người: số người phải từ 2 trở lên.
error-case-earlier-case-not-repeat = Chỉ ghi vụ việc trước khi đây là vụ việc nhiều lần: đánh dấu "nhiều lần", hoặc để trống số vụ việc trước.
error-report-period = Kỳ báo cáo "{ $period }" không hợp lệ: ghi quý (2026-Q4), 6 tháng (2026-H1), 9 tháng (2026-9M) hoặc năm (2026).
error-report-central = Ban Tiếp công dân Trung ương không nộp báo cáo lên cấp nào trong hệ thống.
error-report-period-open = Kỳ báo cáo { $period } chưa khóa số liệu (đến hết ngày { $to }): chỉ nộp báo cáo sau ngày đó.
error-report-submission = Báo cáo không gửi được: { $detail }
error-report-site-unknown = Không có đơn vị mã { $site }.
error-report-not-below = Đơn vị { $site } không thuộc cấp dưới của đơn vị này: chỉ giám sát được đơn vị mình và cấp dưới.
error-report-form = Không có biểu báo cáo "{ $form }": chọn 01-tcd, 01-xld, 02-xld, 03-xld hoặc 04-xld.
error-report-scope = Phạm vi báo cáo "{ $scope }" không hợp lệ: chọn site (riêng đơn vị này) hoặc descendants (đơn vị này và toàn bộ cấp dưới).
error-report-submission-scope = Báo cáo nộp lên cấp trên của đơn vị này có phạm vi { $fixed ->
    [site] riêng đơn vị này (site)
   *[other] gồm cả các đơn vị cấp dưới (descendants)
 }, không phải "{ $scope }": cấp trên so sánh báo cáo của mọi đơn vị cùng cấp theo cùng một phạm vi.
error-report-format = Định dạng báo cáo "{ $format }" không hợp lệ: chọn json, xlsx hoặc html.
error-national-https = tiepdan.toml, mục [national_db]: endpoint phải là địa chỉ https:// (đang ghi { $endpoint }).
error-national-ca-missing = tiepdan.toml, mục [national_db]: thiếu ca_file, tệp PEM chứng thư của tổ chức cấp chứng thư cho máy chủ CSDL quốc gia.
error-national-file = tiepdan.toml, mục [national_db]: không đọc được tệp { $path }: { $detail }
