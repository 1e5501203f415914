# Error messages people read (the API's `code` stays the same in every language).

## General
error-missing = { $field } is required.
error-too-long = { $field } is too long: { $found } characters, at most { $max } are allowed.
error-not-single-line = { $field } must be a single line without control characters.
error-control-characters = { $field } must not contain control characters (line breaks and tabs are fine).
error-too-many = Too many { $field }: { $found }, at most { $max } are allowed.
error-too-large = { $field } is too large: { $found } bytes, at most { $max } are allowed.
error-invalid-hash = { $field } must be 64 hexadecimal characters (a BLAKE3 hash).
error-invalid-site-code = “{ $code }” is not a site code: use VN for central, a 2-digit province code or a 5-digit commune code.
error-site-unknown-code = Site code “{ $code }” is not in the official list of 3,356 sites (2025): use VN for central, the 2-digit code of a province or the 5-digit code of a commune.
error-site-unknown-level = Unknown level “{ $level }”: expected central, province or commune.
error-said = { $text }

## Cases
error-case-invalid-date = “{ $date }” is not a valid date: write it as YYYY-MM-DD, for example 2026-07-01.
error-case-date-out-of-range = The date { $date } is outside the years 1900 to 2999 that this software accepts.
error-case-unknown-kind = Unknown content type “{ $kind }”: expected complaint, denunciation, petition or feedback.
error-case-id-number-format = The { $id_type } number must be exactly { $digits } digits, without spaces.
error-case-people-count = The number of people must be between 1 and { $max }, got { $found }.
error-case-crowd-representatives = A group of { $people } people must appoint { $min } to { $max } representatives from among themselves, in a document signed by all (Law on Citizen Reception 2013, Art 29); { $found } recorded. Record each representative's name and appointment document.
error-case-more-representatives-than-people = { $found } representatives for a group of { $people } people: representatives are chosen from among the people who came (Law on Citizen Reception 2013, Art 29).
error-case-denunciation-not-sealed = A denunciation's identity must be sealed before it is recorded: the denouncer's name, address and identity number are kept secret (Law on Denunciation 2018, Art 47; Decree 154/2026, Art 12(2)).
error-case-sealed-in-clear = { $field } of a sealed reception travels only inside the seal: the signed event must leave it empty.
error-case-refused-with-direction = A refused visit has no handling direction: clear either the direction or the refusal reason (Law on Citizen Reception 2013, Art 9).
error-case-identity-protection-not-denunciation = Only a denunciation records whether the denouncer asks for identity protection (Law on Denunciation 2018, Art 47); this is a { $kind }: answer “No”.
error-case-anonymous-in-person = A citizen received in person shows an identity paper (Decree 154/2026, Art 12(1)): only a đơn received by post or forwarded by another body can be anonymous.
error-case-anonymous-identity-protection = An anonymous denunciation has no known denouncer whose identity could be protected (Law on Denunciation 2018, Arts 25 and 47).
error-case-anonymous-denunciation-accepted = An anonymous denunciation is not processed as a denunciation (Law on Denunciation 2018, Art 25(2)): it is not accepted; if its information is clear, guide or transfer it to the body that can inspect it.
error-case-evidence-pages = An evidence item has between 1 and { $max } pages, got { $found }.
error-case-mixed-too-few-parts = Mixed content needs at least 2 parts, got { $found }: a single content type is an ordinary reception.
error-case-mixed-duplicate-kind = The content type “{ $kind }” appears twice: one part per content type.
error-case-extension-days = An extension is between 1 and { $max } days (Law on Denunciation 2018, Art 30), got { $found }.
error-case-same-site = The case is already handled by site { $site }: choose another site.
error-case-not-an-ancestor = Site { $to } is not above site { $from }: a case is escalated only up its own line, commune to province to central (Law on Complaints 2011, Art 33; Law on Denunciation 2018, Arts 37-38). To send it elsewhere, transfer it.
error-case-malformed = This case event cannot be read: { $detail }
error-case-calendar-line = Holiday calendar line { $line }: { $detail }
error-case-exists = Case id { $case } is already in use: an existing case is never overwritten.
error-case-not-found = No case { $case } at this site.
error-case-no-reception = Case { $case } has no reception yet.
error-not-allowed-now = Cannot { $act } now: { $reason }.
error-case-not-your-record = Case { $case } was opened by site { $owner }: this site may not write to it.
error-identity-not-here = The sealed identity cannot be opened at this site: { $detail }
error-identity-not-yours = Only the person assigned to the case at the site handling it may view a denouncer's identity.

## Online sessions
error-session-malformed = This session event cannot be read: { $detail }
error-session-non-canonical = This session event is not in its one canonical encoding.
error-session-unsupported-version = Session event version { $version } is not supported: update this node.
error-session-invalid-id = { $field } must be printable ASCII without spaces, at most { $max } bytes.
error-session-time-out-of-range = { $field } is not a valid time.
error-session-no-component-points = A session needs at least one component bridge point besides the chair's site.
error-session-duplicate-point = Site { $site } is listed twice among the bridge points.
error-session-chair-among-components = The chair's site { $site } is the central bridge point: do not list it again among the component points.
error-session-not-scheduled = The session is not scheduled yet.
error-session-already-scheduled = The session is already scheduled: to change its time or points, cancel it and schedule a new one.
error-session-not-genesis = The scheduling event must be the session's first event.
error-session-wrong-session = The event is for session { $found }, not { $expected }.
error-session-not-the-chair = Only the chair's site { $chair } (the central bridge point) may do this; site { $author } may not.
error-session-not-a-point = Site { $site } is not a bridge point of this session.
error-session-not-your-point = Site { $author } cannot act for bridge point { $point }: each point records its own participants and connections.
error-session-chair-outside-central-point = The chair sits at the central bridge point { $chair }, not at { $point } (Decree 154/2026, Art 22).
error-session-not-a-participant = Participant { $participant } is not present at bridge point { $point }.
error-session-not-holding-floor = Participant { $participant } at bridge point { $point } does not hold the floor.
error-session-cannot-go-back = The session is “{ $from }”: it cannot go back to “{ $to }”.
error-session-already = The session is already “{ $phase }”.
error-session-over = The session is “{ $phase }”: nothing more can happen in it.
error-session-wrong-phase = { $field } is not allowed while the session is “{ $phase }”.
error-session-already-linked = Case { $case } is already linked to this session.
error-session-not-found = No session { $session } at this site.
error-session-category-unlinked = Case { $case } has an online reception category but is not among the session's cases.
error-session-protected-denunciation = Case { $case } is not received online: it is a denunciation whose denouncer asked for identity protection (Decree 154/2026 Art 20(4)).
error-session-category-not-for-kind = Case { $case } does not fit clause { $clause } of Decree 154/2026 Art 20 (clause 1 is for complaints, petitions and feedback; clause 4 for denunciations).
error-session-regular = An online session is periodic, ad hoc or held by an authorised person, not regular reception.
error-session-category-missing = Choose the online reception category (Decree 154/2026 Art 20) of case { $case }.
error-session-task-unlinked = Case { $case } is not a case of this session: the conclusion notice assigns tasks only on the session's cases.
error-session-case-unknown = This site does not hold case { $case }: whether it may be received online (Decree 154/2026 Art 20) cannot be checked.
phase-scheduled = scheduled
phase-testing = testing
phase-live = live
phase-ended = ended
phase-cancelled = cancelled

## Server
error-store = The site's storage failed; nothing stored was lost. Tell the IT staff (details in the node's log).
error-internal = Internal server error. Tell the IT staff (details in the node's log).
error-key-not-known = The encryption key of site { $site } ({ $name }) is not known here yet; it is learned when that site (or a site that knows it) has been linked once.
error-citizen-required = The citizen's name, address and identity document number are required (Law on Citizen Reception, Art 25(2); Form 03/TCD).
error-case-received-once = A case is received once; record a new visit on the reception page.
error-case-hand-over-call = Transfer and escalation have their own calls (they also widen the case's audience).
error-case-identity-view-entered = Identity views are recorded by the system, not entered.
error-identity-role = The role “{ $role }” may not see a denouncer's identity; only reception officers and chairs may (Decree 154/2026, Art 12(2)).
error-session-start-format = The start “{ $text }” is not valid: write YYYY-MM-DD HH:MM (Vietnam time), for example 2026-07-01 08:00.
error-session-start-missing = Give the session's start (YYYY-MM-DD HH:MM, Vietnam time).
error-body = Invalid request body ({ $detail }).
error-no-such-call = No such API call; see ARCHITECTURE.md, Interfaces.

## Accounts and passes
error-account-wrong-password = Wrong user name or password.
error-account-throttled = Too many failed sign-ins. Try again in { $seconds } seconds.
error-account-disabled = This account is disabled. Contact the site's system operator.
error-account-no-such = No account { $name }.
error-account-exists = Account { $name } already exists.
error-account-bad-name = A user name has 3–32 characters: lowercase letters without diacritics, digits, dot, underscore or hyphen.
error-account-bad-full-name = A full name has 1–128 characters, without control characters.
error-account-bad-role = There is no role “{ $role }”: choose officer, chair or operator.
error-account-weak-password = A password needs at least { $min } characters.
error-account-password-too-long = The password is longer than { $max } bytes.
error-account-unknown-token = Unknown access token, or the account is disabled (make one with `tiepdan user token`).
error-account-none = Only a person with an account can change their password.
error-pass-role = A participant pass is issued only to a citizen, a representative or an attending body.
error-pass-full-name = A participant's full name has 1–128 characters.
error-pass-minutes = A pass lasts 1 to { $max } minutes.
error-passes-full = This site holds too many valid participant passes.

## Permissions and sign-in
error-role-forbidden = The role { $role } may not { $action }.
error-no-rule = This call has no access rule yet; nobody may call it.
error-token-refused = The access token is wrong or expired, or the account is disabled.
error-not-signed-in = Sign in (page /dang-nhap) or send `Authorization: Bearer <token>` (the operator's token is in operator.token in the data folder).
error-pass-scope = A participant pass is valid only for the session it was issued for.
error-pass-acts = A participant pass only lets its holder join, leave or ask for the floor.
error-not-the-chair = Only the chair, with their own account, joins a session as its chair.
error-identity-account-of-other = Only an official joining as themself is proved by their account; for anyone else, record the paper you checked.
error-test-signal-seconds = The test signal lasts 1 to { $max } seconds.
error-publisher-id = A publisher id has 1–64 printable ASCII characters.
error-query = Invalid query parameters ({ $detail }).
error-list-limit = A page holds from 1 to { $max } cases.
error-list-status = There is no status “{ $status }”.
error-list-date = The date “{ $date }” is not valid: write it as YYYY-MM-DD (e.g. 2026-08-03).
error-list-sort = Cannot sort by “{ $sort }”: choose received, -received, due, -due, id or -id.
error-list-due = There is no deadline filter “{ $due }”: choose near or overdue.
error-year-or-range = Give either a year or a date range (from … to …), not both.
error-logbook-format = There is no format “{ $format }”: choose csv or html.

## Joining, certificates, links
error-join-secret = The secret must have { $min } to { $max } characters.
error-join-csr = The certificate request cannot be read: { $detail }
error-join-not-here = Site { $site } ({ $name }) cannot join under { $here } ({ $here_name }): central admits provinces, a province admits its own communes.
error-join-too-many-for-site = Site { $site } already has { $max } join requests waiting; the operator approves or rejects them first.
error-join-too-many = { $max } join requests are waiting here; try again once the operator has decided them.
error-join-not-found = No join request { $id }.
error-join-decided = Join request { $id } is already { $state }.
error-join-wrong-secret = Wrong secret for this join request.
error-join-rejected = The parent's operator rejected this join request.
error-join-certified = Site { $site } already holds a valid certificate from this site (until { $until }); if its node was replaced, approve with "replacement": true.
error-join-rate = Too many join requests from this address; wait a minute.
error-join-secret-header = Send the join secret in the { $header } header.
error-pki = The certificate request could not be carried out: { $detail }
error-no-link = No live link to site { $site }: see GET /api/v1/peers.
error-link-test-size = A link test sends 1 to { $max } MB, not { $found }.
error-link-test-busy = Another link test is running on this node; try again when it ends.
error-link-test-timeout = The link test to { $site } did not finish within { $seconds } s.
error-link-test-failed = The link test to { $site } failed: { $detail }

## Session media
error-media-malformed-sdp = Malformed SDP offer: { $detail }
error-media-unsupported-offer = Unsupported SDP offer: { $detail }
error-media-invalid = Invalid request: { $detail }
error-media-unknown-session = No such session.
error-media-ended = The session has ended.
error-media-not-a-point = This site is not a point of the session.
error-media-unknown-publisher = No publisher “{ $publisher }” in this session.
error-media-unknown-resource = No such media resource.
error-media-full = The media gateway is full ({ $max } peer connections).
error-media-stopped = The media gateway is not running.
error-media-role = The role { $role } does not take part in the online room.
error-media-identity-mismatch = The caller is { $participant } ({ $role }) at { $site }: the site, participant and role parameters may not differ.
error-media-content-type = Send the SDP offer with Content-Type: { $type }.

## Holiday calendars central publishes
error-calendar-too-large = The calendar is { $found } bytes long, over the { $max }-byte limit: this is not a tiepdan holiday calendar.
error-calendar-garbled = The calendar is damaged or not in the right format ({ $detail }): it was altered in transit or is not a tiepdan calendar.
error-calendar-unsupported-version = The calendar is version { $version }; this node reads version { $supported } only: the node needs an upgrade.
error-calendar-not-central = Holiday calendars are published by the Central Citizen Reception Committee ({ $central }) only; this one names «{ $site }» as its issuer.
error-calendar-year-out-of-range = The year { $year } is outside the range { $min }–{ $max } the software accepts.
error-calendar-no-days = The calendar of { $year } lists no day: it needs at least one day off or make-up working day.
error-calendar-too-many-days = The calendar lists { $found } days; a year has at most { $max }.
error-calendar-outside-year = { $date } is not in { $year }: one calendar lists the days of one year.
error-calendar-not-in-order = The days of the calendar are not in date order.
error-calendar-day = { $date }: { $problem }.
error-calendar-line = Line { $line } of the calendar: { $problem }.
error-calendar-from-the-future = The calendar says it was issued at { $issued_at } (Unix seconds), later than this node's clock ({ $now }): check the clocks of this machine and of central.
error-calendar-bad-signature = The calendar's signature is not central's: the calendar was altered or forged.
error-calendar-publish-not-central = Only the Central Citizen Reception Committee ({ $central }) publishes holiday calendars; site { $site } receives them from central.
error-calendar-row-header = the header line must be { $header }
error-calendar-row-too-many = more than { $max } lines
error-calendar-row-columns = 4 columns are needed: { $header }
error-calendar-row-date = the date «{ $text }» is not valid: write it as YYYY-MM-DD, e.g. 2028-09-01
error-calendar-row-name-and-source = the day's name and its legal basis are required, with no spaces before or after
error-calendar-row-name-too-long = the day's name is longer than { $max } bytes
error-calendar-row-source-too-long = the legal basis is longer than { $max } bytes
error-calendar-row-characters = the day's name may not contain a comma, and no line may contain a control character
error-calendar-row-twice = { $date } has two lines
error-calendar-row-already-weekend = { $date } is a Saturday or Sunday, already a day off (off is for weekdays only)
error-calendar-row-already-working = { $date } is a weekday, already a working day (work is for make-up Saturdays and Sundays only)
error-calendar-row-kind = the kind of day «{ $kind }» must be off or work
error-task-outside-audience = { $site } cannot see case { $case } and so cannot be given a task on it: assign the site handling it, the site that received it, or a site above them.
error-session-record-route = The minutes and the conclusion notice of session { $session } are issued through their own routes (POST sessions/{ $session }/minutes, …/conclusion), so what they state comes from the session itself.
error-no-minutes = Session { $session } has no minutes yet: the chair issues them after the session ends.

## Printed documents (Forms 01, 02/TCD)
error-form-no-refusal = Case { $case } has no reason for refusing the reception, so it has no refusal notice (Form 01/TCD).
error-form-no-evidence = The reception of case { $case } took no information or documents, so it has no receipt (Form 02/TCD).
error-form-identity-sealed = The documents of a denunciation are in its sealed part; only a reception officer or a chair at a site that may open the identity can print the receipt (Form 02/TCD).
error-escalation-not-overdue = The case is not overdue: "{ $deadline }" runs until the end of { $due }. It goes up as overdue only after that day; if there is another reason, choose it.
error-reception-date-future = The reception date { $date } has not come yet: the log book takes no future day.
error-event-date-future = The date { $date } has not come yet: the record only takes what has happened.
error-earlier-case-unknown = Case { $case } is not in this site's records: check the earlier case's number, or leave it empty.
error-case-sector-not-for-kind = Corruption is a sector of denunciations only (Form 03/XLD); this is a { $kind }: choose another sector.
error-case-several-signatories-alone = A đơn with several signatories comes from several people: set the number of people to 2 or more.
error-case-earlier-case-not-repeat = An earlier case is named only for a repeat matter: tick "repeat", or leave the earlier case empty.
error-report-period = The report period "{ $period }" is not valid: write a quarter (2026-Q4), six months (2026-H1), nine months (2026-9M) or a year (2026).
error-report-central = The central office submits its reports to no site of the federation.
error-report-period-open = The period { $period } is not closed yet (its data run to the end of { $to }): submit its report after that day.
error-report-submission = The report cannot be submitted: { $detail }
error-report-site-unknown = There is no site with code { $site }.
error-report-not-below = Site { $site } is not below this site: a site supervises only itself and the sites below it.
error-report-form = There is no report form "{ $form }": choose 01-tcd, 01-xld, 02-xld, 03-xld or 04-xld.
error-report-scope = There is no report scope "{ $scope }": choose site (this site alone) or descendants (this site and every site below it).
error-report-submission-scope = This site submits its report { $fixed ->
    [site] for itself alone (site)
   *[other] with every site below it (descendants)
 }, not "{ $scope }": the level above compares the reports of every site of a level over the same scope.
error-report-format = There is no report format "{ $format }": choose json, xlsx or html.
error-national-https = tiepdan.toml, section [national_db]: endpoint must be an https:// address (it says { $endpoint }).
error-national-ca-missing = tiepdan.toml, section [national_db]: ca_file is missing, the PEM certificate of the CA that signed the national database server's certificate.
error-national-file = tiepdan.toml, section [national_db]: cannot read { $path }: { $detail }
