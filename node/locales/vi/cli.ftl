# Lời lệnh `tiepdan` nói với người dùng ở dòng lệnh (cán bộ kỹ thuật). Cờ, mã và nhật ký giữ tiếng Anh.

## Chung
cli-cannot-read = Không đọc được tệp { $path }: { $detail }
cli-cannot-write = Không ghi được tệp { $path }: { $detail }

## Lịch nghỉ lễ
cli-calendar-published-offline = Đã công bố lịch nghỉ lễ năm { $year } ({ $days_off } ngày nghỉ). Lịch được gửi đi khi nút chạy lại.
cli-calendar-published-online = Đã công bố lịch nghỉ lễ năm { $year } ({ $days_off } ngày nghỉ); nút đang gửi lịch đi.
cli-cannot-read-token = Không đọc được tệp mã truy cập { $path }: { $detail }
cli-node-unreachable = Không kết nối được với API của nút đang chạy ({ $detail }).
cli-node-answered = Nút trả lời { $status }: { $message }
cli-answer-lacks = Câu trả lời của nút thiếu trường { $field }.
cli-wrote = Đã ghi { $path }

## Chứng thư
cli-not-a-request = { $path } không phải là yêu cầu cấp chứng thư hợp lệ ({ $detail })
cli-issued = Đã cấp chuỗi chứng thư cho { $site } ({ $name }) vào tệp { $path }
cli-revoked-offline = Đã thu hồi chứng thư của { $site }. Việc thu hồi được gửi đi khi nút chạy lại.
cli-revoked-online = Đã thu hồi chứng thư của { $site }; nút đang chạy đang gửi việc thu hồi đi.
cli-web-ca = CA web của điểm: { $path }
cli-web-ca-fingerprint = Dấu vân tay SHA-256: { $fingerprint }
cli-no-web-ca = Điểm chưa có CA web: nút tạo nó khi chạy lần đầu với địa chỉ web không phải loopback (RUNBOOK §4).

## Tài khoản và sổ tiếp
cli-user-temporary-password = Tài khoản { $name }: mật khẩu tạm thời (chỉ hiện một lần, người dùng nên đổi sau khi đăng nhập): { $password }
cli-user-password-set = Tài khoản { $name }: đã đặt mật khẩu.
cli-user-disabled = Đã khóa tài khoản { $name }.
cli-user-enabled = Đã mở khóa tài khoản { $name }.
cli-user-token-written = Đã ghi mã truy cập API của tài khoản { $name } vào { $path } (giữ kín như mật khẩu).
cli-logbook-node-running = Nút đang chạy: tải sổ tiếp công dân qua API web của nút: GET /api/v1/logbook?format={ $format }

## Gia nhập liên thông (tiepdan join)
cli-join-no-request = { $dir } chưa có request.pem: chạy `tiepdan init --site MÃ` trước.
cli-join-sent = Đã gửi yêu cầu gia nhập số { $id } tới { $parent }. Đang chờ người quản trị của cấp trên duyệt…
cli-join-refused = Yêu cầu gia nhập số { $id }: cấp trên trả lời { $status }: { $message }
cli-join-waiting = Đang chờ: { $detail }
cli-join-timeout = Yêu cầu gia nhập số { $id } chưa được duyệt trong { $seconds } giây; chạy lại `tiepdan join` sau.
cli-join-bad-parent = --parent “{ $parent }”: ghi địa chỉ web của cấp trên theo dạng IP:CỔNG.
cli-join-needs-fingerprint = Cấp trên { $addr } được kết nối qua HTTPS: hỏi người quản trị của cấp trên dấu vân tay CA web (trang tình trạng, “Dấu vân tay CA web”) và ghi vào --fingerprint.
cli-join-bad-fingerprint = --fingerprint phải là một SHA-256: 64 chữ số hệ mười sáu (được có dấu hai chấm).
cli-join-fingerprint-mismatch = Chứng thư web mà { $addr } đưa ra không thuộc CA web có dấu vân tay { $fingerprint }: đừng tiếp tục; kiểm tra lại địa chỉ và dấu vân tay với người quản trị của cấp trên.
cli-join-unreachable = Không kết nối được với cấp trên tại { $addr } ({ $detail }).
cli-join-no-certificate = Cấp trên tại { $addr } không đưa ra chứng thư TLS nào.

## Vụ việc (tiepdan case)
cli-not-json = { $path } không phải là JSON ({ $detail }).
cli-bad-reception = Nội dung lượt tiếp không đúng: { $detail }
cli-event-not-json = Sự kiện không phải là JSON ({ $detail }).
cli-bad-event = Sự kiện không đúng: { $detail }
cli-bad-reason = Lý do không đúng: { $detail }
