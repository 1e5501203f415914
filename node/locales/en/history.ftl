# A case's history: one line per recorded act; an act without effect carries its reason.

## Content types, reasons for escalation
kind-complaint = complaint
kind-denunciation = denunciation
kind-petition = petition
kind-feedback = feedback
escalation-second-instance = second complaint
escalation-repeat-denunciation = repeat denunciation
escalation-overdue = not resolved in time

## Recorded acts
did-received = { $kind } received at { $site } from { $people } person(s){ $refused ->
    [yes] ; reception refused
   *[no] {""}
}
did-classified = Classified as { $kind }{ $complex ->
    [yes] , complex
   *[no] {""}
}{ $remote ->
    [yes] , remote area
   *[no] {""}
}
did-accepted = Accepted for resolution (decision { $decision })
did-guided = Citizen guided to { $body }
did-forwarded = Đơn forwarded to { $body } (letter { $letter })
did-transferred = Transferred to { $site } (letter { $letter })
did-ordered = { $site } required to resolve it
did-escalated = Escalated to { $site }: { $reason }
did-extended = Resolution time extended by { $days } days
did-suspended = Resolution suspended
did-resumed = Resolution resumed after { $days } day(s) suspended
did-dialogue = Dialogue on { $date }
did-decided = Complaint decided (instance { $instance })
did-concluded = Denunciation concluded
did-final = Decision in legal effect
did-partly-withdrawn = Withdrawn by some of the group; the case continues for the rest
did-withdrawn = Withdrawn
did-closed = Closed and filed
did-note = Note added
did-recording-attached = Recording of session { $session } attached
did-identity-viewed = Identity viewed by { $by } ({ $role })
did-citizen-notified = Written notice { $letter } sent to the citizen
did-received-online = Received online in session { $session } on { $date }
did-assigned = { $site } assigned a task by conclusion notice { $notice }, due { $due }
did-assignment-reported = Reported on the task of conclusion notice { $notice }
did-reply-received = Reply letter { $letter } received from { $body }
did-tried = Not applied: { $act }

## Why an act had no effect
why-invalid = invalid event: { $error }
why-second-reception = the case already has its reception
why-unknown-site = site { $site } is not in the official list
why-no-reception = the case has no reception yet
why-outside-audience = { $site } is outside the case's audience
why-not-holder = { $site } does not handle this case: only { $holder } or a site above it may
why-closed = the case is closed
why-refused = reception was refused: the case can only be closed
why-not-now = the case is “{ $status }”
why-not-under = { $site } is not under { $holder }
why-handed-on-too-often = the case was already handed on { $max } times
why-only-complaint-second-instance = only a complaint has a second instance
why-second-instance-is-last = the second instance is the last: the complainant may now go to court (Luật KN 2011 Art 7)
why-second-instance-before-decision = a second complaint follows the first decision (Luật KN 2011 Art 33(1)); an unresolved complaint is escalated as overdue
why-only-denunciation-repeats = only a denunciation can be denounced again (tố cáo tiếp)
why-denunciation-not-sealed = a denunciation's identity must be sealed: record it as a new reception with a sealed identity (Luật TC 2018 Art 47)
why-kind-fixed = the content type cannot change after acceptance
why-only-denunciation-extends = only a denunciation's resolution time can be extended (Luật TC 2018 Art 30); mark a complaint complex instead
why-extensions-used = a denunciation's resolution time can be extended at most { $max } times (Luật TC 2018 Art 30)
why-dialogue-only-complaint = a dialogue belongs to the complaint procedure (Luật KN 2011 Art 30)
why-decision-only-complaint = only a complaint ends with a decision; a denunciation ends with a conclusion
why-conclusion-only-denunciation = only a denunciation ends with a conclusion
why-partial-withdrawal-alone = one person cannot withdraw partially: record a full withdrawal
why-assignee-outside-audience = { $site } is outside the case's audience and cannot be assigned a task on it
why-no-such-assignment = conclusion notice { $notice } gave { $site } no task on this case
why-nothing-to-reply-to = { $site } never transferred or forwarded this đơn: there is no reply to record
why-case-full = the case already holds { $max } events
why-misrouted = { $act } does not belong to this step
