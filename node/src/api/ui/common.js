// Shared by the tiepdan web pages: the operator/officer token and API calls.
const LEVELS = { central: "Trung ương", province: "Cấp tỉnh", commune: "Cấp xã" };
function tokenFromHash() {
  const m = location.hash.match(/token=([0-9a-fA-F]+)/);
  if (m) { sessionStorage.setItem("tiepdan-token", m[1]); history.replaceState(null, "", location.pathname); }
  return sessionStorage.getItem("tiepdan-token");
}
let token = tokenFromHash();
async function apiRaw(path, opts = {}) {
  opts.headers = Object.assign({ "Authorization": "Bearer " + token, "Content-Type": "application/json" }, opts.headers || {});
  const r = await fetch("/api/v1/" + path, opts);
  if (r.status === 401) { showLogin("Mã truy cập không đúng."); throw new Error("unauthorised"); }
  return r;
}
async function api(path, opts = {}) { return (await apiRaw(path, opts)).json(); }
function showLogin(msg) {
  document.getElementById("login").style.display = "block";
  document.getElementById("content").hidden = true;
  document.getElementById("login-error").textContent = msg || "";
}
function setupLogin(onLogin) {
  document.getElementById("login-btn").onclick = () => {
    token = document.getElementById("token").value.trim();
    sessionStorage.setItem("tiepdan-token", token);
    onLogin();
  };
}
function showContent() {
  document.getElementById("login").style.display = "none";
  document.getElementById("content").hidden = false;
}
function fmtDate(unix) {
  return new Date(unix * 1000).toLocaleDateString("vi-VN", { day: "2-digit", month: "2-digit", year: "numeric" });
}
function text(id, v) { document.getElementById(id).textContent = v; }
function cell(tr, v, cls) { const td = document.createElement("td"); td.textContent = v; if (cls) td.className = cls; tr.appendChild(td); return td; }
