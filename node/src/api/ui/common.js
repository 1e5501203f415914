// Shared by the tiepdan web pages: who is calling, API calls, and the page header.
//
// Staff sign in at /dang-nhap; the browser then holds an HttpOnly session cookie that every
// same-origin fetch sends. A citizen or an agency attends with a participant pass instead: the
// room link carries it as `#pass=…`, which is kept in sessionStorage (never in the address
// bar) and sent as `Authorization: Bearer` on every call.
const LEVELS = { central: "Trung ương", province: "Cấp tỉnh", commune: "Cấp xã" };
const SESSION_ROLES = { chair: "Chủ trì", officer: "Cán bộ tiếp công dân", citizen: "Công dân", representative: "Người đại diện", agency: "Cơ quan tham dự" };
const PASS_KEY = "tiepdan-pass";

function passFromHash() {
  const m = location.hash.match(/[#&]pass=([A-Za-z0-9_-]+)/);
  if (m) sessionStorage.setItem(PASS_KEY, m[1]);
  // Neither a pass nor an old `#token=` link stays in the address bar (or the history).
  if (/[#&](pass|token)=/.test(location.hash)) history.replaceState(null, "", location.pathname + location.search);
  sessionStorage.removeItem("tiepdan-token");
  return sessionStorage.getItem(PASS_KEY);
}
let pass = passFromHash();
// A pass link opened over the same page changes only the hash: take the pass and start again.
window.addEventListener("hashchange", () => { if (/[#&]pass=/.test(location.hash)) { passFromHash(); location.reload(); } });

class ApiError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

function signInPath() {
  return "/dang-nhap?next=" + encodeURIComponent(location.pathname + location.search);
}

let signedOut = false;
function notSignedIn(body) {
  if (signedOut) return;
  signedOut = true;
  if (pass) {
    // A pass that no longer opens anything: say so, and let the next visit start afresh.
    sessionStorage.removeItem(PASS_KEY);
    pass = null;
    notice("Thẻ tham dự đã hết hạn hoặc không còn hiệu lực. Đề nghị cán bộ tiếp công dân tại điểm cầu cấp thẻ mới.", true);
    const c = document.getElementById("content");
    if (c) c.hidden = true;
    return;
  }
  location.replace(signInPath());
}

// Calls the API; answers 401 by sending the person to the sign-in page (a wrong current
// password when changing one's own is the caller's to show).
async function apiRaw(path, opts = {}) {
  // The pages are Vietnamese: ask for the server's messages in Vietnamese whatever the
  // browser's own language is.
  const headers = Object.assign({ "Content-Type": "application/json", "Accept-Language": "vi" }, opts.headers || {});
  if (pass) headers["Authorization"] = "Bearer " + pass;
  const r = await fetch("/api/v1/" + path, Object.assign({}, opts, { headers, credentials: "same-origin" }));
  if (r.status === 401) {
    const body = await r.clone().json().catch(() => ({}));
    if (body.code !== "wrong_password") {
      notSignedIn(body);
      throw new ApiError(401, body.code || "not_signed_in", body.error || "Cần đăng nhập.");
    }
  }
  return r;
}

// The JSON answer of a call (null for 204); an error answer is thrown with its Vietnamese
// message.
async function api(path, opts = {}) {
  const r = await apiRaw(path, opts);
  if (r.status === 204) return null;
  const v = await r.json().catch(() => null);
  if (!r.ok) throw new ApiError(r.status, (v && v.code) || "http_" + r.status, (v && v.error) || "Máy chủ trả lời lỗi (HTTP " + r.status + ").");
  return v;
}

// Who is calling (GET me), once per page; also draws the shared header.
let ME = null;
async function loadMe() {
  if (!ME) ME = await api("me");
  renderHeader(ME);
  return ME;
}
function can(action) { return !!ME && Array.isArray(ME.actions) && ME.actions.includes(action); }

// The report periods of TT 01/2024 a page offers, newest first: [value, Vietnamese label].
function reportPeriods() {
  const now = new Date(), y = now.getFullYear(), out = [];
  for (const year of [y + (now.getMonth() === 11 && now.getDate() >= 15 ? 1 : 0), y - 1].filter((v, i, a) => a.indexOf(v) === i)) {
    for (const q of [4, 3, 2, 1]) out.push([year + "-Q" + q, "Quý " + ["I", "II", "III", "IV"][q - 1] + "/" + year]);
    out.push([year + "-9M", "9 tháng năm " + year], [year + "-H1", "6 tháng đầu năm " + year], [String(year), "Năm " + year]);
  }
  return out;
}

// The quarter whose data hold today (its data run to the 14th of its last month).
function currentQuarter(offset = 0) {
  const now = new Date(); let y = now.getFullYear(), q = Math.ceil((now.getMonth() + 1) / 3);
  if (now.getMonth() + 1 === q * 3 && now.getDate() >= 15) q += 1;
  q += offset;
  while (q > 4) { q -= 4; y += 1; }
  while (q < 1) { q += 4; y -= 1; }
  return y + "-Q" + q;
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e[k] = v;
    else if (v !== false && v != null) e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c != null) e.append(c);
  return e;
}

const SHARED_CSS = `
  header .td-bar { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: flex-start; gap: 8px 16px; }
  header .td-account { font-size: 14px; display: flex; flex-wrap: wrap; align-items: center; gap: 6px 8px; }
  header .td-account button { background: transparent; color: #fff; border: 1px solid rgba(255,255,255,.75); border-radius: 4px; padding: 4px 10px; margin: 0; cursor: pointer; font: inherit; font-size: 13px; }
  header .td-account button:hover, header .td-account button:focus-visible { background: rgba(255,255,255,.15); }
  header nav { display: flex; flex-wrap: wrap; gap: 4px 16px; }
  header nav a { color: #fff; } header nav a[aria-current="page"] { font-weight: 700; text-decoration: none; }
  #td-notice { margin: 0 0 16px; padding: 10px 14px; border-radius: 6px; background: #e8f0fe; color: #174ea6; }
  #td-notice.error { background: #fce8e6; color: #b3261e; }
  #td-password form { display: grid; grid-template-columns: repeat(3, 1fr); gap: 0 16px; align-items: end; }
  #td-password label { display: block; font-size: 13px; color: #5b6773; margin-top: 8px; }
  #td-password input { padding: 6px; width: 100%; box-sizing: border-box; font: inherit; }
  #td-password .td-row { grid-column: 1 / -1; }
  header .td-due { margin: 6px 0 0; font-size: 14px; opacity: 1; }
  header .td-due a { color: #fff; } header .td-due a.td-due-over { font-weight: 700; background: rgba(0,0,0,.25); padding: 1px 6px; border-radius: 3px; }
  .td-ok { color: #137333; } .td-error { color: #b3261e; }
  @media (max-width: 640px) {
    header { padding: 12px 14px !important; }
    main { padding: 12px !important; }
    section { padding: 12px 14px !important; }
    .grid, #td-password form { grid-template-columns: 1fr !important; }
    .grid > *, .wide { grid-column: 1 / -1 !important; }
    input { max-width: 100%; }
    dl { grid-template-columns: 1fr !important; } dd { margin-bottom: 6px !important; }
    .td-scroll { overflow-x: auto; }
  }
`;

function notice(msg, isError) {
  let n = document.getElementById("td-notice");
  if (!n) {
    const main = document.querySelector("main") || document.body;
    n = el("p", { id: "td-notice", role: isError ? "alert" : "status" });
    main.prepend(n);
  }
  n.hidden = !msg;
  n.textContent = msg || "";
  n.className = isError ? "error" : "";
}

// The header every page shares: the page's title, the site, who is signed in and the links
// their role may use.
function renderHeader(me) {
  const header = document.querySelector("header");
  if (!header || header.dataset.drawn) return;
  header.dataset.drawn = "1";
  if (!document.getElementById("td-shared-css")) document.head.append(el("style", { id: "td-shared-css" }, SHARED_CSS));
  const title = (header.querySelector("h1") || {}).textContent || "tiepdan";
  const who = me.pass
    ? me.full_name + " — " + (SESSION_ROLES[me.pass.role] || me.role_label) + " (thẻ tham dự)"
    : me.full_name + " — " + me.role_label;
  const account = el("div", { class: "td-account" }, el("span", { id: "td-user" }, who));
  if (!me.pass) {
    account.append(
      el("button", { type: "button", id: "td-password-btn", "aria-expanded": "false", "aria-controls": "td-password", onclick: togglePasswordForm }, "Đổi mật khẩu"),
      el("button", { type: "button", id: "sign-out", onclick: signOut }, "Đăng xuất"));
  } else {
    const d = new Date(me.pass.expires_ms);
    const until = d.toLocaleTimeString("vi-VN", { hour: "2-digit", minute: "2-digit" }) + " ngày " + d.toLocaleDateString("vi-VN");
    account.append(el("span", {}, "· thẻ có hiệu lực đến " + until));
  }
  header.replaceChildren(
    el("div", { class: "td-bar" },
      el("div", {}, el("h1", { id: "site-name" }, title), el("p", { id: "site-sub" }, "Điểm tiếp: " + me.site_name + " (" + me.site + ")")),
      account));
  if (!me.pass) {
    const links = [["/", "Tình trạng", "site_status"], ["/tiep-nhan", "Tiếp nhận", "receive"],
      ["/so-tiep-cong-dan", "Sổ tiếp công dân", "case_read"], ["/phien-tiep", "Lịch phiên trực tuyến", "session_read"],
      ["/phien", "Phòng tiếp trực tuyến", "session_read"], ["/bao-cao", "Báo cáo", "report_read"], ["/giam-sat", "Giám sát cấp dưới", "report_read"],
      ["/nguoi-dung", "Người dùng", "manage_users"],
      ["/quan-tri", "Chứng thư, lịch nghỉ lễ", "pki"]];
    const nav = el("nav", { "aria-label": "Các trang" });
    for (const [href, label, action] of links) {
      if (!me.actions.includes(action)) continue;
      // A commune has no site below it to supervise.
      if (href === "/giam-sat" && me.site_level === "commune") continue;
      nav.append(el("a", { href, "aria-current": location.pathname === href ? "page" : false }, label));
    }
    header.append(nav);
    if (me.actions.includes("case_read")) header.append(dueCounts());
    const main = document.querySelector("main");
    if (main && !document.getElementById("td-password")) main.prepend(passwordForm());
  }
}

// "Sắp đến hạn: N · Quá hạn: M" for officers and chairs, each linking to the list filtered so.
function dueCounts() {
  const link = (due, label) => el("a", { href: "/so-tiep-cong-dan?origin=all&due=" + due, id: "td-due-" + due }, label + ": …");
  const near = link("near", "Sắp đến hạn"), over = link("overdue", "Quá hạn");
  const box = el("p", { id: "td-due", class: "td-due", "aria-live": "polite" }, near, " · ", over);
  api("cases/due").then(v => {
    near.textContent = "Sắp đến hạn: " + v.near;
    over.textContent = "Quá hạn: " + v.overdue;
    if (v.overdue > 0) over.classList.add("td-due-over");
  }).catch(() => { box.hidden = true; });
  return box;
}
function refreshDueCounts() {
  const old = document.getElementById("td-due");
  if (old) old.replaceWith(dueCounts());
}

function passwordForm() {
  const msg = el("p", { id: "pw-message", class: "td-row", "aria-live": "polite" });
  const form = el("form", { id: "pw-form" },
    el("div", {}, el("label", { for: "pw-current" }, "Mật khẩu hiện tại"), el("input", { id: "pw-current", type: "password", autocomplete: "current-password", required: true })),
    el("div", {}, el("label", { for: "pw-new" }, "Mật khẩu mới (ít nhất 10 ký tự)"), el("input", { id: "pw-new", type: "password", autocomplete: "new-password", minlength: "10", required: true })),
    el("div", {}, el("label", { for: "pw-new2" }, "Nhập lại mật khẩu mới"), el("input", { id: "pw-new2", type: "password", autocomplete: "new-password", minlength: "10", required: true })),
    el("div", { class: "td-row" },
      el("button", { type: "submit", id: "pw-save" }, "Lưu mật khẩu mới"), " ",
      el("button", { type: "button", class: "secondary", onclick: togglePasswordForm }, "Đóng")),
    msg);
  form.onsubmit = async (e) => {
    e.preventDefault();
    const current = document.getElementById("pw-current").value, fresh = document.getElementById("pw-new").value;
    const say = (t, ok) => { msg.textContent = t; msg.className = "td-row " + (ok ? "td-ok" : "td-error"); };
    if (fresh !== document.getElementById("pw-new2").value) return say("Hai lần nhập mật khẩu mới không giống nhau.");
    if ([...fresh].length < 10) return say("Mật khẩu mới cần ít nhất 10 ký tự.");
    try {
      const r = await apiRaw("me/password", { method: "POST", body: JSON.stringify({ current, new: fresh }) });
      if (r.status === 204) { form.reset(); say("Đã đổi mật khẩu.", true); return; }
      const v = await r.json().catch(() => ({}));
      say(v.code === "wrong_password" ? "Mật khẩu hiện tại không đúng." : v.error || "Không đổi được mật khẩu (HTTP " + r.status + ").");
    } catch (err) { say("Không đổi được mật khẩu: " + err.message); }
  };
  return el("section", { id: "td-password", hidden: true, "aria-labelledby": "td-password-title" },
    el("h2", { id: "td-password-title" }, "Đổi mật khẩu"), form);
}

function togglePasswordForm() {
  const box = document.getElementById("td-password");
  if (!box) return;
  box.hidden = !box.hidden;
  const b = document.getElementById("td-password-btn");
  if (b) b.setAttribute("aria-expanded", String(!box.hidden));
  if (!box.hidden) document.getElementById("pw-current").focus();
}

async function signOut() {
  await fetch("/api/v1/sign-out", { method: "POST", credentials: "same-origin" }).catch(() => {});
  sessionStorage.removeItem(PASS_KEY);
  location.replace("/dang-nhap");
}

// Shows the page's content, or, when the caller's role may not use the page, says why.
function showContent() {
  const c = document.getElementById("content");
  if (c) c.hidden = false;
}
function denied(msg) {
  notice(msg, true);
  const c = document.getElementById("content");
  if (c) c.hidden = true;
}
// Loads who is calling, then the page (or an explanation when that fails).
async function startPage(load) {
  try { await loadMe(); await load(ME); }
  catch (e) { if (!signedOut) notice(e.message, true); console.log(e); }
}

function fmtDate(unix) {
  return new Date(unix * 1000).toLocaleDateString("vi-VN", { day: "2-digit", month: "2-digit", year: "numeric" });
}
function text(id, v) { document.getElementById(id).textContent = v; }
function cell(tr, v, cls) { const td = document.createElement("td"); td.textContent = v; if (cls) td.className = cls; tr.appendChild(td); return td; }
