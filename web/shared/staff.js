// 快处 kuaichu: what the officer, reviewer and admin consoles share (ES module, no build step):
//   staffLogin(role, onReady)           the login form: 工号 + 密码 + 动态口令 (POST /auth/staff/login);
//                                       工号 alone is the dev login (embedded runs only); with
//                                       OIDC configured, also "使用统一身份认证登录" (oidcSignIn)
//   oidcSignIn(form, role, auth)        that button, and the hand-off code the sign-in returns with
//   partiesTable / verificationTable    a case's parties in full and the registry results
//   evidenceGallery(box, role, number)  the photos and the call recording, fetched with the token
//   noticeLinks(box, role, number, ns)  a button per notice that fetches its PDF and opens it
//   fieldOf(e) / atField(err, byCode)   an API error's field as the forms' data-field names
//   liveList(path, name, render, token) a console's case list pushed by the API (SSE, api/live.py)
import {
  $, KIND_ZH, LIABILITY_ZH, NOTICE_KIND_ZH, PARTY_KIND_ZH, api, clearErrors, devLogin, events, fmtDateTime, h,
  session, showErrors, toast,
} from "/web/shared/kc.js";

export { LIABILITY_ZH, PARTY_KIND_ZH };
const CHECK_ZH = {
  valid: ["有效", "ok"], expired: ["已过期", "bad"], suspended: ["暂扣/停用", "bad"], wrong_class: ["准驾车型不符", "bad"],
  not_found: ["未查到", "bad"], uninsured: ["未投保", "bad"], scrapped: ["已报废", "bad"], inspection_overdue: ["未按期检验", "bad"],
};

/** The login of one staff role; calls onReady(token) now (if logged in) and after a login. */
export function staffLogin(role, onReady) {
  const auth = session(role);
  const view = $("#view-login");
  const form = h("form", { id: "login-form", novalidate: true },
    h("div", { "data-role": "problem", class: "notice bad", role: "alert", tabindex: "-1", hidden: true }),
    h("div", { class: "field" }, h("label", { for: "staff-id" }, "工号"),
      h("input", { id: "staff-id", autocomplete: "username", maxlength: "64", required: true, "data-field": "id", "aria-describedby": "staff-id-err" }),
      h("div", { class: "error", id: "staff-id-err" })),
    h("div", { class: "field" }, h("label", { for: "staff-password" }, "密码"),
      h("input", { id: "staff-password", type: "password", autocomplete: "current-password", maxlength: "128", "data-field": "password", "aria-describedby": "staff-password-err" }),
      h("div", { class: "error", id: "staff-password-err" })),
    h("div", { class: "field" }, h("label", { for: "staff-totp" }, "动态口令"),
      h("input", { id: "staff-totp", inputmode: "numeric", autocomplete: "one-time-code", maxlength: "6", pattern: "[0-9]{6}", "data-field": "totp", "aria-describedby": "staff-totp-err staff-totp-hint" }),
      h("div", { class: "muted small", id: "staff-totp-hint" }, "身份验证器应用中的6位数字"),
      h("div", { class: "error", id: "staff-totp-err" })),
    h("button", { type: "submit", class: "primary block" }, "登录"),
    h("p", { class: "muted small" }, "请输入工号、密码和动态口令。内置演示环境可只填工号（开发登录）。"));
  view.replaceChildren(h("div", { class: "card" }, h("h1", { id: "login-title" }, view.dataset.title), form));
  const ready = () => {
    const tok = auth.get();
    $("#view-login").hidden = Boolean(tok);
    $("#view-desk").hidden = !tok;
    $("#logout").hidden = !tok;
    $("#who").textContent = tok ? `工号 ${tok.sub || $("#staff-id").value}` : "";
    if (tok) onReady(tok.access_token);
  };
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (await submitLogin(form, role, auth)) ready();
  });
  $("#logout").addEventListener("click", () => { auth.clear(); location.reload(); });
  ready();
  oidcSignIn(form, role, auth).then((done) => { if (done) ready(); });
  return () => auth.get()?.access_token;
}

/** The OIDC redirect sign-in (api/oidc.py): a "使用统一身份认证登录" button at the end of the
 * login form when the API has OIDC configured, which goes to the provider; back from it, the
 * URL's fragment holds a one-time code (#kc_code=...), traded here for our token (kept as a
 * password login's). Resolves true once logged in that way. */
export async function oidcSignIn(form, role, auth) {
  const code = new URLSearchParams(location.hash.slice(1)).get("kc_code");
  if (code) history.replaceState(null, "", location.pathname + location.search); // used once
  api("/auth/oidc/config").then((cfg) => {
    if (!cfg.enabled || form.querySelector("#oidc-login")) return;
    form.append(h("button", { type: "button", id: "oidc-login", class: "block gap-top",
      onclick: () => location.assign(`/auth/oidc/start?role=${encodeURIComponent(role)}`) }, "使用统一身份认证登录"));
  }).catch(() => { /* no button: the password login stays */ });
  if (!code) return false;
  try {
    const tok = await api("/auth/oidc/redeem", { method: "POST", body: { code } });
    auth.set(tok);
    return true;
  } catch (err) {
    showErrors(form, err);
    return false;
  }
}

/** A login form's submit (#staff-id, #staff-password, #staff-totp): password + TOTP through
 * /auth/staff/login, or 工号 alone through the dev login (embedded runs). True once logged in;
 * otherwise the refusal is shown at the fields. Also used by the seat console. */
export async function submitLogin(form, role, auth) {
  clearErrors(form);
  const id = $("#staff-id").value.trim();
  const password = $("#staff-password")?.value || "";
  const totp = ($("#staff-totp")?.value || "").trim();
  const real = Boolean(password || totp);
  try {
    const tok = real
      ? await api("/auth/staff/login", { method: "POST", body: { staff_id: id, password, totp, role } })
      : await devLogin(role, id);
    for (const input of [$("#staff-password"), $("#staff-totp")]) if (input) input.value = "";
    auth.set({ ...tok, sub: tok.sub || id });
    return true;
  } catch (err) {
    if (!real && err.status === 404) {
      err.detail = "请输入密码和动态口令（开发登录仅在内置演示环境可用）。";
      err.errors = [{ field: "password", message: "请输入密码" }];
    }
    if (!err.errors.length) err.errors = [{ field: real ? "totp" : "id", message: err.detail }];
    showErrors(form, err, loginField);
    return false;
  }
}

/** The login's API fields as the form's: body.staff_id -> id. */
function loginField(field) {
  const f = fieldOf(field);
  return f === "staff_id" ? "id" : f;
}

/** A refusal without a field (some workflow guards name none): its code's field from `byCode`. */
export function atField(err, byCode) {
  if (!err.errors?.length && byCode[err.code]) err.errors = [{ field: byCode[err.code], message: err.detail }];
  return err;
}

/** "body.liabilities.P1" -> "liabilities" (the forms mark whole groups). */
export function fieldOf(field) {
  return (field || "").replace(/^body\.?/, "").split(".")[0];
}

export function globalProblem(err) {
  const box = $("#problem-global");
  box.hidden = !err;
  box.textContent = err ? err.detail || String(err) : "";
}

function checkBadge(status) {
  const [text, kind] = CHECK_ZH[status] || [status || "—", "warn"];
  return h("span", { class: `badge ${kind}` }, text);
}

export function partiesTable(parties, caption = "当事人") {
  const head = ["当事人", "姓名 / 电话", "身份证号 / 驾驶证档案号", "车辆", "交强险", "责任"];
  const line = (label, value) => h("div", { class: "small" }, h("span", { class: "muted" }, label), " ", h("span", { class: "mono" }, value || "—"));
  return h("table", { class: "parties" }, h("caption", { class: "sr-only" }, caption),
    h("thead", {}, h("tr", {}, ...head.map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, ...parties.map((p) => h("tr", { "data-party": p.party_id },
      h("th", { scope: "row" }, p.party_id, h("div", { class: "small muted" }, PARTY_KIND_ZH[p.kind] || p.kind)),
      h("td", { class: "nowrap" }, h("strong", {}, p.name), h("div", { class: "small mono" }, p.phone)),
      h("td", {}, line("身份证", p.id_number), line("驾驶证", p.licence_number)),
      h("td", { class: "nowrap" }, h("strong", {}, p.plate || "—"), h("div", { class: "small muted" }, p.vehicle_type || "")),
      h("td", {}, p.insurer_name || "—", h("div", { class: "small muted mono" }, p.policy_number || "")),
      h("td", { class: "nowrap" }, p.liability ? h("span", { class: "badge" }, LIABILITY_ZH[p.liability]) : "—")))));
}

export function verificationTable(rows) {
  const checked = rows.filter((r) => r.checked);
  if (!checked.length) return h("p", { class: "muted" }, "尚无核验结果");
  return h("div", {},
    h("table", { id: "verification" }, h("caption", { class: "sr-only" }, "驾驶证、车辆、交强险核验结果"),
      h("thead", {}, h("tr", {}, ...["当事人", "驾驶证", "车辆", "交强险"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, ...checked.map((r) => h("tr", {}, h("th", { scope: "row" }, r.party_id), h("td", {}, checkBadge(r.result.licence)),
        h("td", {}, checkBadge(r.result.vehicle)),
        h("td", {}, checkBadge(r.result.insurance), r.result.insurer_name ? h("div", { class: "small muted" }, `${r.result.insurer_name} ${r.result.policy_number || ""}`) : null))))),
    ...checked.flatMap((r) => (r.result.refusals || []).map((x) => h("p", { class: "notice bad small" }, `${r.party_id}：${x.reason}`))));
}

const urls = [];
async function objectUrl(path, token, type) {
  const blob = await api(path, { auth: token });
  const url = URL.createObjectURL(type ? new Blob([blob], { type }) : blob);
  urls.push(url);
  return url;
}
export function releaseUrls() { while (urls.length) URL.revokeObjectURL(urls.pop()); }

/** The evidence of a case: photos as figures, the recording in a <video> with controls. */
export async function evidenceGallery(box, role, number, token) {
  const items = await api(`/${role}/cases/${number}/evidence`, { auth: token });
  if (!items.length) { box.replaceChildren(h("p", { class: "muted" }, "暂无证据")); return items; }
  const figures = await Promise.all(items.map(async (e) => {
    const label = `${KIND_ZH[e.kind] || e.kind}${e.party_id ? ` ${e.party_id}` : ""}`;
    let media = h("div", { class: "thumb placeholder" }, "文件存于视频服务商");
    if (e.file_url) {
      const url = await objectUrl(e.file_url, token, e.content_type);
      media = e.content_type.startsWith("video/")
        ? h("video", { src: url, controls: true, preload: "metadata", "aria-label": `${label}（通话录像）` })
        : h("a", { href: url, target: "_blank", rel: "noopener", "aria-label": `查看原图：${label}` }, h("img", { src: url, alt: label }));
    }
    return h("figure", { class: `evidence ${e.content_type.startsWith("video/") ? "wide" : ""}`, "data-kind": e.kind },
      media,
      h("figcaption", {}, h("strong", {}, label),
        h("span", { class: "small muted" }, `${fmtDateTime(e.captured_at)} · ${e.size_bytes ? Math.max(1, Math.round(e.size_bytes / 1024)) + " KB" : ""}`),
        h("span", { class: "mono small sha", title: e.sha256 }, `SHA-256 ${e.sha256.slice(0, 16)}…`)));
  }));
  box.replaceChildren(h("div", { class: "gallery" }, ...figures));
  return items;
}


/** One row per notice of the case; 打开 fetches the PDF with the token and offers it as a link. */
export function noticeLinks(box, role, number, notices, token) {
  if (!notices.length) { box.replaceChildren(h("p", { class: "muted" }, "尚未出具认定书")); return; }
  box.replaceChildren(h("ul", { class: "notices" }, ...notices.map((n) => {
    const link = h("a", { class: "btn small", hidden: true }, "");
    const open = h("button", { type: "button", class: "small", "aria-label": `获取 PDF：${n.notice_number}`, onclick: async () => {
      try {
        link.href = await objectUrl(`/${role}/cases/${number}/notice?notice_number=${encodeURIComponent(n.notice_number)}`, token, "application/pdf");
        link.download = `${n.notice_number}.pdf`;
        link.target = "_blank";
        link.textContent = `打开 PDF ${n.notice_number}`;
        link.hidden = false;
        open.hidden = true;
        link.focus();
      } catch (err) { globalProblem(err); }
    } }, "获取 PDF");
    return h("li", { "data-notice": n.notice_number }, h("div", {}, h("strong", {}, NOTICE_KIND_ZH[n.kind] || n.kind),
      h("div", { class: "small muted" }, `编号 ${n.notice_number} · 第${n.version}版 · ${fmtDateTime(n.issued_at)}`,
        n.revokes_notice_number ? ` · 撤销 ${n.revokes_notice_number}` : "")), open, link);
  })));
}

/** A console's list kept live by its SSE stream: render(list) on every change, the #live badge
 *  says whether the stream is up, a toast names the cases that arrived since the last render.
 *  Returns a function that stops it. */
export function liveList(path, name, render, token, announce) {
  let known = null;
  return events(path, (event, list) => {
    if (event !== name) return;
    const fresh = known ? list.filter((c) => !known.has(c.case_number)) : [];
    known = new Set(list.map((c) => c.case_number));
    render(list);
    for (const c of fresh) toast(`${announce}：${c.case_number}`);
  }, token, {
    onState: (s) => {
      const live = $("#live");
      live.textContent = s === "open" ? "实时" : "重连中";
      live.className = `badge ${s === "open" ? "ok" : "warn"}`;
    },
  });
}
