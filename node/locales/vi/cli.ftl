# Lời lệnh `tiepdan` nói với người dùng ở dòng lệnh (cán bộ kỹ thuật). Cờ, mã và nhật ký giữ tiếng Anh.

## Chung
cli-cannot-read = Không đọc được tệp { $path }: { $detail }
cli-cannot-write = Không ghi được tệp { $path }: { $detail }

## Lịch nghỉ lễ
cli-calendar-published-offline = Đã công bố lịch nghỉ lễ năm { $year } ({ $days_off } ngày nghỉ). Lịch được gửi đi khi nút chạy lại.
cli-calendar-published-online = Đã công bố lịch nghỉ lễ năm { $year } ({ $days_off } ngày nghỉ); nút đang gửi lịch đi.
