//! Black-box tests of online sessions: their lifecycle between real nodes, WHIP/WHEP, the room
//! page in headless Chromium, recordings and their signed indexes, and uploads. One test
//! binary for the area.

mod browser;
mod lifecycle;
mod minutes;
mod pages_vietnamese;
mod recording;
mod recording_index;
mod sessions_page;
mod upload;
mod whip_whep;
