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
