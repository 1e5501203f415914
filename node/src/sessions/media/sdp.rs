//! Checks on an SDP offer before it reaches str0m, and the one place offers are parsed.
//!
//! Owns the rules "text, bounded, starts with `v=0`, parses" and "offers something we can carry
//! in the right direction": at least one Opus audio or VP8 video section that the client sends
//! (WHIP) or receives (WHEP). str0m answers the rest (it rejects codecs we did not enable), but
//! an offer with nothing usable would connect and then carry nothing, so it is refused here
//! with a message that says why.

use str0m::change::SdpOffer;

use super::error::MediaError;

/// Largest SDP offer accepted. Browser offers with audio and video are 4-10 KB.
pub const MAX_SDP_BYTES: usize = 32 * 1024;
/// Most media sections in one offer. WHIP/WHEP need two; a few more are tolerated.
pub const MAX_MEDIA_SECTIONS: usize = 16;
/// Longest parser message copied into an error.
const MAX_DETAIL_CHARS: usize = 200;

/// Which side of the call the client is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// WHIP: the client sends media to us.
    Publish,
    /// WHEP: the client receives media from us.
    Subscribe,
}

/// What a usable offer carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OfferSummary {
    pub audio: bool,
    pub video: bool,
}

#[derive(Default)]
struct Section {
    kind: String,
    disabled: bool,
    direction: Option<&'static str>,
    opus: bool,
    vp8: bool,
}

/// Validates `text` as an offer for `intent` and parses it.
pub fn check_offer(text: &str, intent: Intent) -> Result<(SdpOffer, OfferSummary), MediaError> {
    let malformed = |m: &str| Err(MediaError::MalformedSdp(m.to_owned()));
    if text.trim().is_empty() {
        return malformed(
            "the body is empty; send the SDP offer with Content-Type: application/sdp",
        );
    }
    if text.len() > MAX_SDP_BYTES {
        return malformed(&format!("the offer is larger than {MAX_SDP_BYTES} bytes"));
    }
    if !text.starts_with("v=0") {
        return malformed("an SDP offer starts with `v=0`");
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\r' | '\n' | '\t'))
    {
        return malformed("the offer contains control characters");
    }
    let sections = sections(text);
    if sections.len() > MAX_MEDIA_SECTIONS {
        return Err(MediaError::UnsupportedOffer(format!(
            "more than {MAX_MEDIA_SECTIONS} media sections"
        )));
    }
    let offer = SdpOffer::from_sdp_string(text)
        .map_err(|e| MediaError::MalformedSdp(short(&e.to_string())))?;

    let mut summary = OfferSummary::default();
    for s in sections.iter().filter(|s| !s.disabled) {
        // RFC 3264 §6.1: a media section without a direction attribute is sendrecv.
        let dir = s.direction.unwrap_or("sendrecv");
        let fits = match intent {
            Intent::Publish => matches!(dir, "sendonly" | "sendrecv"),
            Intent::Subscribe => matches!(dir, "recvonly" | "sendrecv"),
        };
        if !fits {
            continue;
        }
        match s.kind.as_str() {
            "audio" if s.opus => summary.audio = true,
            "video" if s.vp8 => summary.video = true,
            _ => {}
        }
    }
    if !summary.audio && !summary.video {
        let need = match intent {
            Intent::Publish => "that the client sends (a=sendonly or a=sendrecv)",
            Intent::Subscribe => "that the client receives (a=recvonly or a=sendrecv)",
        };
        return Err(MediaError::UnsupportedOffer(format!(
            "the offer has no Opus audio or VP8 video {need}"
        )));
    }
    Ok((offer, summary))
}

/// A light line scan of the media sections: kind, port 0, direction, codec names. str0m's
/// parsed SDP is not public API, and this is all the checks need.
fn sections(text: &str) -> Vec<Section> {
    let mut out: Vec<Section> = Vec::new();
    for line in text.lines().map(str::trim_end) {
        if let Some(m) = line.strip_prefix("m=") {
            let mut parts = m.split_whitespace();
            let kind = parts.next().unwrap_or_default().to_ascii_lowercase();
            let disabled = parts.next() == Some("0");
            out.push(Section {
                kind,
                disabled,
                ..Section::default()
            });
            continue;
        }
        let Some(cur) = out.last_mut() else { continue };
        match line {
            "a=sendonly" => cur.direction = Some("sendonly"),
            "a=recvonly" => cur.direction = Some("recvonly"),
            "a=sendrecv" => cur.direction = Some("sendrecv"),
            "a=inactive" => cur.direction = Some("inactive"),
            _ => {
                if let Some(map) = line.strip_prefix("a=rtpmap:") {
                    // a=rtpmap:<pt> <name>/<clock>[/<channels>]
                    let name = map
                        .split_whitespace()
                        .nth(1)
                        .and_then(|e| e.split('/').next())
                        .unwrap_or_default();
                    cur.opus |= name.eq_ignore_ascii_case("opus");
                    cur.vp8 |= name.eq_ignore_ascii_case("vp8");
                }
            }
        }
    }
    out
}

fn short(s: &str) -> String {
    let one_line: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= MAX_DETAIL_CHARS {
        one_line
    } else {
        one_line
            .chars()
            .take(MAX_DETAIL_CHARS)
            .chain("…".chars())
            .collect()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::time::Instant;

    use str0m::media::{Direction, MediaKind};
    use str0m::{Candidate, Rtc};

    use super::*;

    /// A real offer, made by str0m as a client would.
    pub(crate) fn offer(kinds: &[MediaKind], dir: Direction, vp8: bool) -> String {
        let mut b = Rtc::builder().clear_codecs().enable_opus(true, false);
        if vp8 {
            b = b.enable_vp8(true);
        } else {
            b = b.enable_h264(true);
        }
        let mut rtc = b.build(Instant::now());
        rtc.add_local_candidate(Candidate::host("127.0.0.1:5000".parse().unwrap(), "udp").unwrap());
        let mut api = rtc.sdp_api();
        for k in kinds {
            api.add_media(*k, dir, None, None, None);
        }
        let (offer, _pending) = api.apply().expect("an offer");
        offer.to_sdp_string()
    }

    #[test]
    fn accepts_a_publishing_offer() {
        let sdp = offer(
            &[MediaKind::Audio, MediaKind::Video],
            Direction::SendOnly,
            true,
        );
        let (_, s) = check_offer(&sdp, Intent::Publish).unwrap();
        assert_eq!(
            s,
            OfferSummary {
                audio: true,
                video: true
            }
        );
        let sdp = offer(
            &[MediaKind::Audio, MediaKind::Video],
            Direction::RecvOnly,
            true,
        );
        let (_, s) = check_offer(&sdp, Intent::Subscribe).unwrap();
        assert_eq!(
            s,
            OfferSummary {
                audio: true,
                video: true
            }
        );
    }

    #[test]
    fn refuses_malformed_offers() {
        for bad in ["", "   ", "hello", "v=0\r\nthis is not sdp\r\n", "v=0\0"] {
            assert!(
                matches!(
                    check_offer(bad, Intent::Publish),
                    Err(MediaError::MalformedSdp(_))
                ),
                "{bad:?}"
            );
        }
        let huge = format!("v=0\r\n{}", "a=x\r\n".repeat(MAX_SDP_BYTES / 4));
        assert!(matches!(
            check_offer(&huge, Intent::Publish),
            Err(MediaError::MalformedSdp(_))
        ));
        // A valid offer cut in half.
        let sdp = offer(&[MediaKind::Audio], Direction::SendOnly, true);
        let cut = &sdp[..sdp.len() / 3];
        assert!(check_offer(cut, Intent::Publish).is_err());
    }

    #[test]
    fn refuses_offers_without_usable_media() {
        // Wrong direction: a WHIP offer that only receives.
        let sdp = offer(
            &[MediaKind::Audio, MediaKind::Video],
            Direction::RecvOnly,
            true,
        );
        let e = check_offer(&sdp, Intent::Publish).unwrap_err();
        assert!(matches!(e, MediaError::UnsupportedOffer(_)), "{e}");
        let sdp = offer(&[MediaKind::Audio], Direction::SendOnly, true);
        assert!(matches!(
            check_offer(&sdp, Intent::Subscribe),
            Err(MediaError::UnsupportedOffer(_))
        ));
        // H.264 only video.
        let sdp = offer(&[MediaKind::Video], Direction::SendOnly, false);
        assert!(matches!(
            check_offer(&sdp, Intent::Publish),
            Err(MediaError::UnsupportedOffer(_))
        ));
        // H.264 video with Opus audio is fine: the video section is simply not answered.
        let sdp = offer(
            &[MediaKind::Audio, MediaKind::Video],
            Direction::SendOnly,
            false,
        );
        let (_, s) = check_offer(&sdp, Intent::Publish).unwrap();
        assert_eq!(
            s,
            OfferSummary {
                audio: true,
                video: false
            }
        );
    }

    #[test]
    fn error_details_are_short() {
        let long = "x ".repeat(1000);
        assert!(short(&long).chars().count() <= MAX_DETAIL_CHARS + 1);
    }
}
