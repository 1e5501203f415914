# Labels of the domain's words.

## Acts on a case (read after "cannot …")
act-received = receive it
act-classified = classify it
act-accepted = accept it for resolution
act-guided = guide the citizen and return the petition
act-transferred = transfer it
act-ordered-to-resolve = order a lower level to resolve it
act-escalated = escalate it
act-extended = extend its deadline
act-suspended = suspend it
act-resumed = resume it
act-dialogue = record a dialogue
act-decided = record the decision
act-concluded = record the conclusion
act-final = record that the decision is final
act-withdrawn = record the withdrawal
act-closed = close it
act-note = add a note
act-recording-attached = attach a recording
act-identity-viewed = view the identity
act-forwarded = forward it
act-citizen-notified = record a notice to the citizen
act-received-online = record an online hearing
act-assigned = assign a task by conclusion notice
act-assignment-reported = report on an assigned task
act-reply-received = record a reply letter
act-other = do this

## Case status
status-received = received
status-refused = refused
status-classified = classified
status-accepted = accepted
status-guided = guided
status-forwarded = forwarded
status-transferred = transferred
status-escalated = escalated
status-suspended = suspended
status-decided = decided
status-concluded = concluded
status-final = final
status-withdrawn = withdrawn
status-closed = closed
status-other = unknown

## Roles
role-operator = System operator
role-officer = Reception officer
role-chair = Chair
role-participant = Participant (pass holder)
role-other = unknown

## Permissions (read after “may not …”)
action-site-status = view the site's status
action-metrics = read the monitoring figures
action-pki = issue and revoke certificates and approve join requests
action-publish-calendar = publish the holiday calendar
action-manage-users = manage users
action-link-test = test a link
action-receive = record a reception
action-case-read = read cases and the log book
action-case-work = work on cases
action-case-decision = decide or conclude cases
action-identity-view = view a denouncer's identity
action-session-read = view online sessions
action-session-schedule = schedule online sessions
action-session-chair = chair a session
action-session-attend = record what happens at a bridge point
action-session-self = attend a session
action-test-signal = send the test signal
action-issue-pass = issue participant passes
action-media = carry a session's video and sound
action-report-read = read the reports and the supervision of the levels below
action-report-submit = submit the site's report to the level above
