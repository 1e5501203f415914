//! An event from a peer that the fold ignores is shown as ignored, with why (issue 12, item 3).
//!
//! A commune certified by the running province sends the province, by hand over the
//! replication channel, a case of its own: the reception, an escalation to the province (which
//! then holds it), and then an acceptance of its own, which a site that no longer holds the case
//! may not record. The province stores all three (they are validly signed by a site of the
//! audience) and its fold ignores the third. `GET cases/{id}` says so, with the reason in the
//! reader's language, and the case page shows it crossed out as "Không có hiệu lực" with the
//! reason; the acceptance changed nothing: the case stays escalated.

use ed25519_dalek::SigningKey;
use serde_json::Value;
use tiepdan_node::lab::processes::{DEMO_PASSWORD, OFFICER};
use tiepdan_node::site::clock::unix_now;
use tiepdan_protocol::case::{encode_event, CaseEvent, EscalationReason};
use tiepdan_protocol::log::{event_id, sign_event, EventBody, EventId};
use tiepdan_tests::browser::{browser, chromedriver, js, sign_in, until};
use tiepdan_tests::hostile::{certify, genesis, send_batches};
use tiepdan_tests::{eventually, federation, DEADLINE};

/// `event` of `case_id` by `author`, after `parent`.
fn next(
    case_id: &str,
    author: &str,
    key: &SigningKey,
    parent: EventId,
    at_ms: u64,
    event: &CaseEvent,
) -> Vec<u8> {
    let body = EventBody::new(case_id, author, &[parent], at_ms, encode_event(event));
    sign_event(&body, key)
}

fn case_in(fed: &tiepdan_tests::LocalFederation, lang: &str, id: &str) -> Value {
    let s = fed.site("01").unwrap();
    let mut r = tiepdan_node::cli::client::agent()
        .get(&format!("http://{}/api/v1/cases/{id}", s.http))
        .header("Authorization", &format!("Bearer {}", s.officer))
        .header("Accept-Language", lang)
        .call()
        .expect("the node answers");
    r.body_mut().read_json().unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_the_fold_ignores_is_shown_as_ignored_with_why() {
    let (_dir, mut fed) = federation(&["VN", "01"]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));
    let commune = certify(&fed, "01", "00025");
    let key = SigningKey::from_bytes(&commune.key.seed());
    let id = "00025-2026-00001";
    let now = unix_now() * 1000;
    let received = genesis(id, "00025", &commune.key);
    let escalated = next(
        id,
        "00025",
        &key,
        event_id(&received),
        now + 1,
        &CaseEvent::Escalated {
            to_site: "01".into(),
            reason: EscalationReason::Overdue,
            rewrapped: None,
        },
    );
    let accepted = next(
        id,
        "00025",
        &key,
        event_id(&escalated),
        now + 2,
        &CaseEvent::Accepted {
            decision_no: "9/QĐ-UBND".into(),
        },
    );
    let acks = send_batches(
        fed.site("01").unwrap().quic,
        &commune,
        vec![vec![received, escalated, accepted]],
    )
    .await;
    assert_eq!(acks, vec![(3, 0)], "the province stores all three");

    let vi = case_in(&fed, "vi", id);
    assert_eq!(
        vi["status"], "escalated",
        "the ignored acceptance changed nothing: {vi}"
    );
    let last = &vi["history"][2];
    assert_eq!(last["ignored"], true, "{vi}");
    assert_eq!(last["why"]["why"], "not_holder", "{last}");
    let reason = last["reason"].as_str().unwrap_or_default().to_owned();
    assert!(
        reason.contains("không giải quyết vụ việc này"),
        "the reason in Vietnamese: {reason}"
    );
    let en = case_in(&fed, "en", id);
    assert!(
        en["history"][2]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("does not handle this case")),
        "the reason in English when asked: {}",
        en["history"][2]
    );

    let (_driver, port) = chromedriver();
    let profile = tempfile::tempdir().unwrap();
    let c = browser(port, profile.path()).await;
    let origin = format!("http://{}", fed.site("01").unwrap().http);
    let page = format!("/vu-viec?id={id}");
    sign_in(&c, &origin, OFFICER, DEMO_PASSWORD, &page).await;
    let shown = until(
        &c,
        "const r = document.querySelector('tr.ignored'); return r ? r.innerText : null",
        vec![],
        "the case page shows no ignored entry",
    )
    .await;
    let shown = shown.as_str().unwrap_or_default();
    assert!(shown.contains("Không có hiệu lực"), "{shown}");
    assert!(
        shown.contains(&reason),
        "the page gives the reason: {shown}"
    );
    let crossed = js(
        &c,
        "return getComputedStyle(document.querySelector('tr.ignored td')).textDecorationLine",
    )
    .await;
    assert_eq!(crossed, "line-through", "an ignored step reads as not done");
    c.close().await.ok();
}
