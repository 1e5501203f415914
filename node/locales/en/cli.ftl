# What the `tiepdan` command tells the person at the terminal (IT staff). Flags, codes and logs stay English.

## General
cli-cannot-read = Cannot read { $path }: { $detail }
cli-cannot-write = Cannot write { $path }: { $detail }

## Holiday calendars
cli-calendar-published-offline = Published the holiday calendar of { $year } ({ $days_off } days off). It is sent out when the node next runs.
cli-calendar-published-online = Published the holiday calendar of { $year } ({ $days_off } days off); the node is sending it out now.
cli-cannot-read-token = Cannot read the token file { $path }: { $detail }
cli-node-unreachable = Cannot reach the running node's API ({ $detail }).
cli-node-answered = The node answered { $status }: { $message }
cli-answer-lacks = The node's answer lacks { $field }.
cli-wrote = Wrote { $path }

## Certificates
cli-not-a-request = { $path } is not a valid certificate request ({ $detail })
cli-issued = Issued a certificate chain for { $site } ({ $name }) into { $path }
cli-revoked-offline = Revoked { $site }. The revocation spreads when this node next runs.
cli-revoked-online = Revoked { $site }; the running node is spreading it now.
cli-web-ca = The site's web CA: { $path }
cli-web-ca-fingerprint = SHA-256 fingerprint: { $fingerprint }
cli-no-web-ca = The site has no web CA yet: the node makes it when it first runs with a web address that is not loopback (RUNBOOK §4).

## Accounts and the log book
cli-user-temporary-password = Account { $name }: temporary password (shown once; the user should change it after signing in): { $password }
cli-user-password-set = Account { $name }: password set.
cli-user-disabled = Disabled account { $name }.
cli-user-enabled = Enabled account { $name }.
cli-user-token-written = Wrote the API token of account { $name } into { $path } (keep it secret like a password).
cli-logbook-node-running = The node is running: download the log book from its web API: GET /api/v1/logbook?format={ $format }

## Joining the federation (tiepdan join)
cli-join-no-request = { $dir } has no request.pem: run `tiepdan init --site CODE` first.
cli-join-sent = Join request { $id } sent to { $parent }. Waiting for the parent's operator to approve it…
cli-join-refused = Join request { $id }: the parent answered { $status }: { $message }
cli-join-waiting = Waiting: { $detail }
cli-join-timeout = Join request { $id } was not approved within { $seconds } s; run `tiepdan join` again later.
cli-join-bad-parent = --parent “{ $parent }”: give the parent's web address as IP:PORT.
cli-join-needs-fingerprint = The parent { $addr } is reached over HTTPS: ask its operator for the fingerprint of its web CA (status page, “Dấu vân tay CA web”) and give it as --fingerprint.
cli-join-bad-fingerprint = --fingerprint must be a SHA-256: 64 hex digits (colons allowed).
cli-join-fingerprint-mismatch = The web certificate { $addr } presents is not from the web CA with fingerprint { $fingerprint }: do not continue; check the address and the fingerprint with the parent's operator.
cli-join-unreachable = Cannot reach the parent at { $addr } ({ $detail }).
cli-join-no-certificate = The parent at { $addr } did not present a TLS certificate.

## Cases (tiepdan case)
cli-not-json = { $path } is not JSON ({ $detail }).
cli-bad-reception = The reception is not valid: { $detail }
cli-event-not-json = The event is not JSON ({ $detail }).
cli-bad-event = The event is not valid: { $detail }
cli-bad-reason = The reason is not valid: { $detail }

## Errors at the terminal
cli-error-prefix = error
cli-error-cause = cause

## Site setup (tiepdan init, tiepdan install)
cli-init-needs-site = --site CODE is required (or --root for the central office)
cli-init-root-not-central = --root is only for the central office (site VN); { $code } is { $name }
cli-init-central-needs-root = the central office holds the federation root: run `tiepdan init --root`
cli-init-key-exists = { $dir } already holds a site key; refusing to overwrite it
cli-init-root-created = Created the federation root for { $name } ({ $code }).
    PeerId { $peer }
    Operator token in { $token }
    Next: `tiepdan run --data { $dir }`
cli-init-site-created = Created site { $name } ({ $code }).
    PeerId { $peer }
    Certificate request: { $request }
    Next: send it to the parent site ({ $parent }) — `tiepdan join --data { $dir } --parent PARENT_HTTP_ADDR`, or by file with `tiepdan issue` there and `tiepdan install` here.
cli-installed = Installed the certificate of { $name } ({ $code }), valid until { $until } (unix { $unix }).
    Next: `tiepdan run --data { $dir }`
cli-install-bad-chain = { $path } is not a usable certificate chain file ({ $detail })
cli-install-refused = The certificate chain was not installed: { $detail }
cli-issue-bad-days = --days must be between 1 and { $max }
cli-commune-cannot-issue = a commune does not issue certificates: only central (for provinces) and provinces (for their communes) do

## Recordings (tiepdan recording)
cli-rec-cannot-read-root = cannot read the root certificate file { $path }: { $detail }
cli-rec-bad-root = { $path } is not a usable root certificate file: { $detail }
cli-rec-all-intact = { $count } recording(s) checked: all intact.
cli-rec-not-intact-summary = { $bad } of { $count } recording(s) NOT intact:
cli-rec-intact = INTACT
cli-rec-not-intact = NOT INTACT ({ $problems } problem(s))
cli-rec-ids = session { $session }, site { $site }, publisher { $publisher }
cli-rec-closed = closed
cli-rec-not-closed = not closed
cli-rec-stats = { $segments } sealed segment(s), { $frames } frames, { $bytes } bytes, { $duration }, { $closed }
cli-rec-index-id = index id { $id }
cli-rec-chain-verified = signed by site { $site }: certificate chain verified against the federation root
cli-rec-problem = PROBLEM: { $problem }
cli-rec-note = note: { $note }
cli-rec-export-one-folder = export takes one publisher folder; { $path } holds { $count }:
cli-rec-warning = warning: { $warning }
cli-rec-exported = Wrote { $path }: { $audio } audio frames, { $video } video frames ({ $keyframes } keyframes, { $width }x{ $height }), { $clusters } clusters, { $duration }, { $bytes } bytes. The export is not sealed: verify the recording folder itself.
cli-rec-nothing-to-read = { $path } is not a recording folder: expected a publisher folder (with { $index } or seg-*.{ $ext }) or a session folder containing publisher folders
cli-rec-too-many-folders = { $path }: more than { $max } folders to look through: point at one session's folder

rec-index-missing = { $index } is missing: nothing in this folder is sealed
rec-index-unreadable = { $index } cannot be read: { $detail }
rec-folder-unlistable = the folder cannot be listed: { $detail }
rec-signature = { $index }: { $detail }
rec-chain-refused = the signer's certificate chain does not verify against the given federation root: { $detail }
rec-chain-head-mismatch = the index's hash chain head does not match its segment list: the index was forged by its signer
rec-segment-missing = { $file } is missing (listed in the signed index)
rec-segment-truncated = { $file } is truncated: { $found } bytes, the signed index says { $expected }
rec-segment-modified = { $file } was modified: its BLAKE3 hash does not match the signed index ({ $detail })
rec-segment-reordered = { $file } holds the content of { $holds }: segments were reordered or renamed
rec-segment-metadata = { $file } does not match its signed description: { $detail }
rec-segment-unreadable = { $file } cannot be read: { $detail }
rec-segment-extra = { $file } is not listed in the signed index (extra segment)
rec-unexpected-file = { $file } does not belong in a recording folder
rec-index-too-large = the index is { $bytes } bytes, more than the { $max } allowed: not a tiepdan recording index
rec-index-garbled = the index is garbled ({ $detail }): it was corrupted or is not a tiepdan recording index
rec-index-version = the index has version { $version }; this tiepdan reads version { $ours }: upgrade tiepdan
rec-index-not-canonical = the index is not in canonical form (its body re-encodes differently): it was altered
rec-index-invalid = the index is invalid: { $detail }
rec-index-chain-unreadable = the index's embedded certificate chain is unreadable: { $detail }
rec-index-signer-site = the index was signed by site { $signer } but records site { $recording }: a site signs only its own recordings
rec-index-cert-site = the index names site { $signer } as signer but its embedded certificate is for site { $cert_site }: forged index
rec-index-bad-signature = the index signature is invalid: the index was altered after it was signed
rec-index-key-mismatch = the index was signed with a key that is not the key of its embedded certificate (site { $cert_site }): forged index
rec-note-tmp-index = { $file } is left from an interrupted index update; { $index } is the signed one
rec-note-chain-not-checked = signed by site { $site } (certificate chain embedded, not checked: pass --root-chain with the federation root to check who signed)
rec-note-index-only = { $absent } of the { $total } segments the signed index lists are not held here (index only)
rec-note-sealed-after = { $file } was sealed after the index was last signed (the node stopped in between); it is not covered by the signature until the recording is resumed or closed
rec-note-open-segment = { $file } is the open segment, not sealed and not covered by the signature ({ $detail })
rec-note-open-frames = { $frames } frames
rec-note-incomplete = the recording is incomplete: it was not closed (still recording, or the node stopped); the { $segments } sealed segments are covered by the signature
rec-header-mismatch = its header names another recording or position
rec-frames-mismatch = { $frames } frames over { $first }..{ $last } µs, index says { $index_frames } over { $index_first }..{ $index_last }
rec-same-length = same length, different bytes
rec-length-differs = { $found } bytes, the index says { $expected }

## The running node's API and the parent
cli-bad-request = the certificate request cannot be read: { $detail }
cli-web-ca-not-pem = the web CA is not a PEM certificate ({ $detail })
cli-runtime-missing = the store is locked but { $path } is missing: is the node still starting?
cli-runtime-damaged = { $path } is damaged ({ $detail })
cli-parent-bad-quic = the parent sent “{ $addr }” as its QUIC address, which is not IP:PORT
cli-logbook-page = the log book page cannot be made: { $detail }
cli-report-file = the report file could not be written: { $detail }
rec-export-left-out = { $file } left out: segment { $segment } is also sealed
rec-export-unsealed = { $file } is an unsealed segment (the recording was not closed); its frames are included
rec-export-damaged = { $file }: { $detail }; frames after it are left out
rec-export-unreadable = { $file } left out: { $detail }
