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
