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

## Lỗi ở dòng lệnh
cli-error-prefix = lỗi
cli-error-cause = nguyên nhân

## Lập điểm (tiepdan init, tiepdan install)
cli-init-needs-site = cần ghi --site MÃ (hoặc --root cho Trung ương)
cli-init-root-not-central = --root chỉ dành cho Trung ương (điểm VN); { $code } là { $name }
cli-init-central-needs-root = Trung ương giữ chứng thư gốc của liên thông: chạy `tiepdan init --root`
cli-init-key-exists = { $dir } đã có khóa của điểm; không ghi đè
cli-init-root-created = Đã tạo chứng thư gốc của liên thông cho { $name } ({ $code }).
    PeerId { $peer }
    Mã truy cập của người quản trị nằm trong { $token }
    Bước tiếp theo: `tiepdan run --data { $dir }`
cli-init-site-created = Đã tạo điểm { $name } ({ $code }).
    PeerId { $peer }
    Yêu cầu cấp chứng thư: { $request }
    Bước tiếp theo: gửi yêu cầu cho cấp trên ({ $parent }) — `tiepdan join --data { $dir } --parent ĐỊA_CHỈ_WEB_CẤP_TRÊN`, hoặc gửi tệp để cấp trên chạy `tiepdan issue` rồi chạy `tiepdan install` ở đây.
cli-installed = Đã cài chứng thư của { $name } ({ $code }), có hiệu lực đến { $until } (unix { $unix }).
    Bước tiếp theo: `tiepdan run --data { $dir }`
cli-install-bad-chain = { $path } không phải là tệp chuỗi chứng thư dùng được ({ $detail })
cli-install-refused = Chưa cài chuỗi chứng thư: { $detail }
cli-issue-bad-days = --days phải từ 1 đến { $max }
cli-commune-cannot-issue = cấp xã không cấp chứng thư: chỉ Trung ương (cho cấp tỉnh) và cấp tỉnh (cho các xã của mình) cấp

## Bản ghi hình (tiepdan recording)
cli-rec-cannot-read-root = không đọc được tệp chứng thư gốc { $path }: { $detail }
cli-rec-bad-root = { $path } không phải là tệp chứng thư gốc dùng được: { $detail }
cli-rec-all-intact = Đã kiểm tra { $count } bản ghi: tất cả còn nguyên vẹn.
cli-rec-not-intact-summary = { $bad } trong { $count } bản ghi KHÔNG còn nguyên vẹn:
cli-rec-intact = NGUYÊN VẸN
cli-rec-not-intact = KHÔNG NGUYÊN VẸN ({ $problems } vấn đề)
cli-rec-ids = phiên { $session }, điểm { $site }, nguồn ghi { $publisher }
cli-rec-closed = đã đóng
cli-rec-not-closed = chưa đóng
cli-rec-stats = { $segments } đoạn đã niêm phong, { $frames } khung, { $bytes } byte, { $duration }, { $closed }
cli-rec-index-id = mã chỉ mục { $id }
cli-rec-chain-verified = do điểm { $site } ký: chuỗi chứng thư đã được xác thực với chứng thư gốc của liên thông
cli-rec-problem = VẤN ĐỀ: { $problem }
cli-rec-note = ghi chú: { $note }
cli-rec-export-one-folder = lệnh xuất nhận một thư mục nguồn ghi; { $path } có { $count } thư mục:
cli-rec-warning = cảnh báo: { $warning }
cli-rec-exported = Đã ghi { $path }: { $audio } khung âm thanh, { $video } khung hình ({ $keyframes } khung chính, { $width }x{ $height }), { $clusters } cụm, { $duration }, { $bytes } byte. Tệp xuất không được niêm phong: hãy kiểm tra chính thư mục bản ghi.
cli-rec-nothing-to-read = { $path } không phải là thư mục bản ghi: cần một thư mục nguồn ghi (có { $index } hoặc seg-*.{ $ext }) hoặc một thư mục phiên chứa các thư mục nguồn ghi
cli-rec-too-many-folders = { $path }: quá { $max } thư mục phải duyệt: hãy chỉ vào thư mục của một phiên

rec-index-missing = thiếu { $index }: không có gì trong thư mục này được niêm phong
rec-index-unreadable = không đọc được { $index }: { $detail }
rec-folder-unlistable = không liệt kê được thư mục: { $detail }
rec-signature = { $index }: { $detail }
rec-chain-refused = chuỗi chứng thư của bên ký không được xác thực với chứng thư gốc của liên thông đã cho: { $detail }
rec-chain-head-mismatch = đầu chuỗi băm của chỉ mục không khớp với danh sách đoạn: chỉ mục bị chính bên ký làm giả
rec-segment-missing = thiếu { $file } (có trong chỉ mục đã ký)
rec-segment-truncated = { $file } bị cắt cụt: { $found } byte, chỉ mục đã ký ghi { $expected }
rec-segment-modified = { $file } đã bị sửa: mã băm BLAKE3 không khớp với chỉ mục đã ký ({ $detail })
rec-segment-reordered = { $file } chứa nội dung của { $holds }: các đoạn bị đổi thứ tự hoặc đổi tên
rec-segment-metadata = { $file } không khớp với mô tả đã ký: { $detail }
rec-segment-unreadable = không đọc được { $file }: { $detail }
rec-segment-extra = { $file } không có trong chỉ mục đã ký (đoạn thừa)
rec-unexpected-file = { $file } không thuộc về thư mục bản ghi
rec-index-too-large = chỉ mục dài { $bytes } byte, quá { $max } byte cho phép: không phải chỉ mục bản ghi của tiepdan
rec-index-garbled = chỉ mục bị hỏng ({ $detail }): tệp đã bị hư hoặc không phải chỉ mục bản ghi của tiepdan
rec-index-version = chỉ mục có phiên bản { $version }; tiepdan này đọc phiên bản { $ours }: hãy nâng cấp tiepdan
rec-index-not-canonical = chỉ mục không ở dạng chuẩn (phần thân mã hóa lại khác đi): chỉ mục đã bị sửa
rec-index-invalid = chỉ mục không hợp lệ: { $detail }
rec-index-chain-unreadable = không đọc được chuỗi chứng thư gắn trong chỉ mục: { $detail }
rec-index-signer-site = chỉ mục do điểm { $signer } ký nhưng ghi hình của điểm { $recording }: mỗi điểm chỉ ký bản ghi của mình
rec-index-cert-site = chỉ mục ghi bên ký là điểm { $signer } nhưng chứng thư gắn kèm là của điểm { $cert_site }: chỉ mục giả
rec-index-bad-signature = chữ ký của chỉ mục không hợp lệ: chỉ mục đã bị sửa sau khi ký
rec-index-key-mismatch = chỉ mục được ký bằng khóa không phải khóa trong chứng thư gắn kèm (điểm { $cert_site }): chỉ mục giả
rec-note-tmp-index = { $file } còn lại từ một lần cập nhật chỉ mục bị ngắt; { $index } là chỉ mục đã ký
rec-note-chain-not-checked = do điểm { $site } ký (chuỗi chứng thư gắn kèm, chưa kiểm tra: thêm --root-chain với chứng thư gốc của liên thông để kiểm tra ai đã ký)
rec-note-index-only = { $absent } trong { $total } đoạn mà chỉ mục đã ký liệt kê không có ở đây (chỉ giữ chỉ mục)
rec-note-sealed-after = { $file } được niêm phong sau lần ký chỉ mục cuối cùng (nút đã dừng giữa chừng); đoạn này chưa được chữ ký bảo đảm cho đến khi bản ghi được tiếp tục hoặc đóng
rec-note-open-segment = { $file } là đoạn đang mở, chưa niêm phong và chưa được chữ ký bảo đảm ({ $detail })
rec-note-open-frames = { $frames } khung
rec-note-incomplete = bản ghi chưa hoàn tất: chưa được đóng (đang ghi, hoặc nút đã dừng); { $segments } đoạn đã niêm phong được chữ ký bảo đảm
rec-header-mismatch = phần đầu của đoạn ghi tên một bản ghi hoặc vị trí khác
rec-frames-mismatch = { $frames } khung trong { $first }..{ $last } µs, chỉ mục ghi { $index_frames } khung trong { $index_first }..{ $index_last }
rec-same-length = cùng độ dài, khác nội dung
rec-length-differs = { $found } byte, chỉ mục ghi { $expected }

## API của nút đang chạy và cấp trên
cli-bad-request = không đọc được yêu cầu cấp chứng thư: { $detail }
cli-web-ca-not-pem = CA web không phải là chứng thư PEM ({ $detail })
cli-runtime-missing = kho dữ liệu đang bị khóa nhưng thiếu { $path }: nút còn đang khởi động?
cli-runtime-damaged = { $path } bị hỏng ({ $detail })
cli-parent-bad-quic = cấp trên gửi “{ $addr }” làm địa chỉ QUIC, không đúng dạng IP:CỔNG
cli-logbook-page = không lập được trang sổ tiếp công dân: { $detail }
cli-report-file = không lập được tệp biểu báo cáo: { $detail }
rec-export-left-out = bỏ qua { $file }: đoạn { $segment } cũng đã được niêm phong
rec-export-unsealed = { $file } là đoạn chưa niêm phong (bản ghi chưa được đóng); các khung của đoạn vẫn được đưa vào
rec-export-damaged = { $file }: { $detail }; các khung sau chỗ đó bị bỏ qua
rec-export-unreadable = bỏ qua { $file }: { $detail }
