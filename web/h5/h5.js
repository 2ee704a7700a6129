// The citizen H5 page: login by SMS code (or the 110 link), the alert, then the case - queue,
// video, "you may leave", the notice and its receipt, review, claim - updated live.
import {
  $, ApiError, LIABILITY_ZH, STATUS_ZH, api, clearErrors, events, fmtDateTime, fmtDeadline, fmtDuration, fmtTime, h,
  session, showErrors, smsCode, smsLogin, toast,
} from "/web/shared/kc.js";
import { VideoCall, play } from "/web/shared/video.js";

const auth = session("citizen");
const params = new URLSearchParams(location.search);
const linkToken = location.pathname.startsWith("/h5/alert") ? params.get("t") : null;
let config = { dev_login: false, sms_outbox: false };
let location_ = null; // {lat, lon, accuracy}
let current = null; // the open case detail
let call = null;
let stopEvents = null;
let queueTimer = null;
let noticeUrl = null;

const VIEWS = ["login", "home", "alert", "case"];
function show(view) {
  for (const v of VIEWS) $(`#view-${v}`).hidden = v !== view;
  $("#logout").hidden = !auth.get();
  $("#main").focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

function token() { return auth.get()?.access_token; }

function globalProblem(err) {
  const box = $("#problem-global");
  box.hidden = !err;
  box.textContent = err ? err.detail || String(err) : "";
}

// ------------------------------------------------------------------ login

async function refreshHandset(phone) {
  if (!config.sms_outbox || !phone) return;
  try {
    const messages = await api(`/dev/handset/${encodeURIComponent(phone)}?limit=3`);
    $("#handset").hidden = false;
    $("#handset-list").replaceChildren(...messages.map((m) => h("li", {}, h("time", {}, fmtTime(m.at)), m.body)));
  } catch { /* not embedded */ }
}

$("#send-code").addEventListener("click", async () => {
  const form = $("#login-form");
  clearErrors(form);
  const phone = $("#login-phone").value.trim();
  try {
    await smsCode(phone);
    toast("验证码已发送");
    let left = 60;
    const btn = $("#send-code");
    btn.disabled = true;
    const t = setInterval(() => { btn.textContent = `${--left}秒后重发`; if (left <= 0) { clearInterval(t); btn.disabled = false; btn.textContent = "获取验证码"; } }, 1000);
    await refreshHandset(phone);
    $("#login-code").focus();
  } catch (err) {
    if (err.code === "INVALID_PHONE") err.errors = [{ field: "phone", message: err.detail }];
    showErrors(form, err);
  }
});

$("#login-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = e.target;
  clearErrors(form);
  const phone = $("#login-phone").value.trim();
  try {
    const tok = await smsLogin(phone, $("#login-code").value.trim());
    auth.set({ ...tok, phone: phone.replace(/^\+?86/, "") });
    route();
  } catch (err) {
    if (err.code === "INVALID_CODE") err.errors = [{ field: "code", message: err.detail }];
    if (err.code === "INVALID_PHONE") err.errors = [{ field: "phone", message: err.detail }];
    showErrors(form, err);
  }
});

$("#logout").addEventListener("click", () => { leaveCall(); auth.clear(); location.href = "/h5/"; });

// ------------------------------------------------------------------ home

async function showHome() {
  show("home");
  try {
    const cases = await api("/citizen/cases", { auth: token() });
    $("#my-cases").replaceChildren(
      cases.length
        ? h("ul", { class: "shots" }, ...cases.map((c) => h("li", { class: "shot two" },
          h("div", {}, h("div", { class: "mono" }, c.case_number), h("div", { class: "muted small" }, `${fmtDateTime(c.reported_at)} · ${c.address || c.district || ""}`)),
          h("a", { class: "btn small", href: `#case/${c.case_number}`, "aria-label": `查看案件 ${c.case_number}` }, STATUS_ZH[c.status] || c.status))))
        : h("p", { class: "empty" }, "暂无案件"),
    );
  } catch (err) { if (err.status === 401) { auth.clear(); return route(); } globalProblem(err); }
}
$("#start-alert").addEventListener("click", () => { location.hash = "#alert"; });

// ------------------------------------------------------------------ the alert form

const KINDS = { motor_driver: "机动车驾驶人", non_motor: "非机动车/行人", property_owner: "财物所有人" };
const INSURERS = { PICC: "中国人保", CPIC: "中国太平洋", PINGAN: "中国平安", OTHER: "其他保险公司" };

function partyFields(i, data = {}) {
  const pid = `P${i + 1}`;
  const id = (f) => `${pid}-${f}`;
  const field = (name, label, input, hint) => h("div", { class: "field" + (name === "kind" ? " wide" : "") },
    h("label", { for: id(name) }, label), input, hint ? h("div", { class: "hint" }, hint) : null,
    h("div", { class: "error", id: id(name) + "-err" }));
  const text = (name, fieldName, attrs = {}) => h("input", { id: id(name), "data-field": `${pid}.${fieldName}`, "aria-describedby": id(name) + "-err", value: data[name] || "", ...attrs });
  const kind = h("select", { id: id("kind"), "data-field": `${pid}.kind`, "aria-describedby": id("kind") + "-err" },
    ...Object.entries(KINDS).map(([v, t]) => h("option", { value: v, selected: (data.kind || "motor_driver") === v }, t)));
  const insurer = h("select", { id: id("insurer"), "data-field": `${pid}.vehicle.insurance`, "aria-describedby": id("insurer") + "-err" },
    ...Object.entries(INSURERS).map(([v, t]) => h("option", { value: v, selected: data.insurer === v }, t)));
  const box = h("div", { class: "party card", "data-party": pid },
    h("div", { class: "row" }, h("h3", { class: "grow flush" }, i === 0 ? `当事人 ${pid}（本人）` : `当事人 ${pid}`),
      i > 0 ? h("button", { type: "button", class: "small danger", "aria-label": `删除当事人 ${pid}`, onclick: () => { box.remove(); renumber(); } }, "删除") : null),
    field("kind", "身份", kind),
    field("name", "姓名", text("name", "name", { maxlength: 64, autocomplete: i === 0 ? "name" : "off" })),
    field("phone", "手机号码", text("phone", "phone", { type: "tel", inputmode: "numeric", maxlength: 14 })),
    field("id_number", "身份证号码", text("id_number", "id_number", { maxlength: 18 })),
    h("div", { class: "motor" },
      field("licence", "驾驶证档案编号", text("licence", "licence_number", { inputmode: "numeric", maxlength: 12 }), "12位数字，见驾驶证副页"),
      field("plate", "号牌号码", text("plate", "vehicle.plate", { maxlength: 10, autocapitalize: "characters" }), "如 川E12345，新能源车8位"),
      field("insurer", "交强险承保公司", insurer)),
  );
  const sync = () => { box.querySelector(".motor").hidden = kind.value !== "motor_driver"; };
  kind.addEventListener("change", sync);
  sync();
  return box;
}

function renumber() {
  const values = [...document.querySelectorAll("#parties .party")].map(readParty);
  renderParties(values);
}

function renderParties(list) {
  $("#parties").replaceChildren(...list.map((p, i) => partyFields(i, p)));
  $("#add-party").hidden = list.length >= 8;
}

function readParty(box) {
  const get = (f) => box.querySelector(`[id$="-${f}"]`)?.value.trim() || "";
  return { kind: get("kind"), name: get("name"), phone: get("phone"), id_number: get("id_number"), licence: get("licence"), plate: get("plate").toUpperCase(), insurer: get("insurer") };
}

$("#add-party").addEventListener("click", () => {
  const list = [...document.querySelectorAll("#parties .party")].map(readParty);
  renderParties([...list, { kind: "motor_driver" }]);
  document.querySelector(`#P${list.length + 1}-name`)?.focus();
});

function categoryChanged() {
  const c = document.querySelector("input[name=category]:checked").value;
  $("#liable-row").hidden = c !== "motor_vs_non_motor";
  $("#present-row").hidden = c !== "single_motor_property";
}
document.querySelectorAll("input[name=category]").forEach((r) => r.addEventListener("change", categoryChanged));

$("#locate").addEventListener("click", locate);
function locate() {
  const status = $("#loc-status");
  if (!navigator.geolocation) { status.textContent = "本设备不支持定位，请拨打110报警。"; return; }
  status.textContent = "正在定位…";
  navigator.geolocation.getCurrentPosition(
    (pos) => {
      location_ = { lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy: pos.coords.accuracy };
      status.replaceChildren(h("span", { class: "badge ok" }, "已定位"), ` 北纬 ${location_.lat.toFixed(5)}，东经 ${location_.lon.toFixed(5)}，精度约 ${Math.round(location_.accuracy)} 米`);
    },
    (err) => {
      status.replaceChildren(h("span", { class: "badge bad" }, "定位失败"),
        err.code === 1 ? " 请在浏览器设置中允许本页面使用位置信息后重试；无法定位时请拨打110。" : " 暂时无法获取位置，请到开阔处重试，或拨打110。");
    },
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 },
  );
}

function alertBody() {
  const parties = [...document.querySelectorAll("#parties .party")].map((box, i) => {
    const p = readParty(box);
    const party = { party_id: `P${i + 1}`, kind: p.kind, name: p.name, phone: p.phone, id_number: p.id_number };
    if (p.kind === "motor_driver") {
      party.licence_number = p.licence;
      if (p.plate) party.vehicle = { plate: p.plate, insurance: p.insurer === "OTHER" ? { insurer_code: "OTHER", insurer_name: "其他" } : { insurer_code: p.insurer, insurer_name: INSURERS[p.insurer] } };
    }
    return party;
  });
  const category = document.querySelector("input[name=category]:checked").value;
  const happened = $("#accident-time").value;  // Beijing time as typed; empty: the alert's time
  return {
    ...(happened ? { accident_time: `${happened}:00+08:00` } : {}),
    location: { lat: location_?.lat ?? 0, lon: location_?.lon ?? 0, system: "WGS84", address: $("#address").value.trim() },
    facts: {
      category,
      injuries: document.querySelector("input[name=injuries]:checked").value,
      drink_or_drugs: !$("#no-drink").checked,
      vehicles_movable: $("#movable").checked,
      hit_and_run: !$("#no-escape").checked,
      motor_party_liable: $("#motor-liable").checked,
      injured_party_present: $("#owner-present").checked,
      description: $("#description").value.trim(),
    },
    parties,
    consent_electronic_service: $("#consent").checked,
  };
}

const mapAlertField = (f) => f.replace(/^body\./, "").replace(/^parties\.(\d+)\./, (_, i) => `P${+i + 1}.`);

function showRefusal(err) {
  const box = $("#refusal");
  box.hidden = false;
  box.replaceChildren(
    h("h3", {}, "不符合线上视频快处条件"),
    h("ul", {}, ...err.errors.map((r) => h("li", {}, h("strong", {}, r.reason), r.advice ? h("div", { class: "small" }, r.advice) : null))),
    h("p", { class: "small" }, "请在安全位置等候，或拨打 110 报警，交警将到现场处理。"),
  );
  box.focus();
}

$("#alert-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = e.target;
  clearErrors(form);
  $("#refusal").hidden = true;
  if (!location_) {
    showErrors(form, new ApiError(422, { code: "LOCATION_REQUIRED", detail: "请先点击“获取当前位置”，允许本页面使用位置信息。" }));
    return;
  }
  if (!$("#consent").checked) {
    showErrors(form, new ApiError(422, { code: "CONSENT_REQUIRED", detail: "线上快处需要同意电子送达。", errors: [{ field: "consent_electronic_service", message: "请阅读并勾选同意电子送达" }] }));
    return;
  }
  const button = $("#submit-alert");
  button.disabled = true;
  button.textContent = "正在提交…";
  try {
    const headers = linkToken && !token() ? { "X-Link-Token": linkToken } : {};
    const out = await api("/citizen/alerts", { method: "POST", body: alertBody(), auth: token(), headers });
    if (out.access_token) auth.set({ ...out.access_token, phone: "" });
    sessionStorage.setItem(`kuaichu.video.${out.case_number}`, JSON.stringify(out.video || null));
    history.replaceState(null, "", `/h5/#case/${out.case_number}`);
    route();
  } catch (err) {
    showErrors(form, err, mapAlertField);
    if (err.code === "NOT_ELIGIBLE") { // the reasons and advice in their own panel, fields marked
      form.querySelector("[data-role=problem]").hidden = true;
      showRefusal(err);
    }
  } finally {
    button.disabled = false;
    button.textContent = "提交报警";
  }
});

$("#demo-fill").addEventListener("click", () => {
  const me = auth.get()?.phone || "13800000001";
  location_ = location_ || { lat: 28.87525, lon: 105.4343125, accuracy: 10 };
  $("#loc-status").textContent = `演示位置：北纬 ${location_.lat}，东经 ${location_.lon}（南城街道）`;
  $("#address").value = "江阳区南城街道示例路100号";
  $("#consent").checked = true;
  renderParties([
    { kind: "motor_driver", name: "张演示", phone: me, id_number: "510502198503120116", licence: "510500100001", plate: "川E12345", insurer: "PICC" },
    { kind: "motor_driver", name: "李示例", phone: me === "13800000002" ? "13800000001" : "13800000002", id_number: "51050219900701022X", licence: "510500100002", plate: "川EA8B21", insurer: "CPIC" },
  ]);
});

async function showAlert() {
  show("alert");
  if (!$("#parties").children.length) renderParties([{ kind: "motor_driver", phone: auth.get()?.phone || "" }, { kind: "motor_driver" }]);
  $("#demo-fill").hidden = !config.dev_login;
  categoryChanged();
  if (linkToken && !token()) {
    try {
      const link = await api("/app/link", { headers: { "X-Link-Token": linkToken } });
      $("#link-info").hidden = false;
      $("#link-info").textContent = `110 报警链接：本链接已发送至 ${link.phone}，请在“当事人 P1（本人）”中填写该手机号码。`;
    } catch (err) {
      $("#link-info").hidden = false;
      $("#link-info").className = "notice bad";
      $("#link-info").textContent = `${err.detail}。也可使用手机号登录后报警。`;
      $("#alert-form").hidden = true;
      const again = h("a", { class: "btn primary block", href: "/h5/" }, "使用手机号登录");
      $("#link-info").after(again);
    }
  }
}

// ------------------------------------------------------------------ the case

async function showCase(number) {
  show("case");
  $("#case-number").textContent = number;
  if (stopEvents) stopEvents();
  stopEvents = events(`/citizen/cases/${number}/events`, () => refresh(number), token());
  await refresh(number);
}

let refreshing = null;
async function refresh(number) {
  if (refreshing) return refreshing;
  refreshing = (async () => {
    try {
      current = await api(`/citizen/cases/${number}`, { auth: token() });
      render(current);
      loadTimeline(number);
    } catch (err) {
      if (err.status === 401) { auth.clear(); route(); return; }
      globalProblem(err);
    } finally { refreshing = null; }
  })();
  return refreshing;
}

async function loadTimeline(number) {
  try {
    const items = await api(`/citizen/cases/${number}/timeline`, { auth: token() });
    $("#timeline").replaceChildren(...items.reverse().map((i) => h("li", {}, h("time", { datetime: i.at }, fmtDateTime(i.at)), i.label + (i.count > 1 ? `（${i.count}项）` : ""))));
  } catch { /* the timeline is secondary */ }
}

const STEP_OF = { queued: 0, in_video: 1, verifying: 1, awaiting_decision: 2, notice_sent: 3, served: 3, under_review: 3, awaiting_redetermination: 3, closed: 4 };
const VIDEO = ["queued", "in_video"];
const ENDED = ["closed", "refused", "cancelled", "handed_to_patrol"];

// the written conclusions fetched on this page: notice number → { url, size }
const conclusionLinks = new Map();

function render(detail) {
  globalProblem(null);
  const c = detail.case;
  const me = c.parties.find((p) => p.party_id === detail.me) || {};
  $("#case-status").textContent = STATUS_ZH[c.status] || c.status;
  $("#next-action").textContent = c.next_action;
  const step = STEP_OF[c.status] ?? -1;
  document.querySelectorAll(".steps li").forEach((li, i) => {
    li.className = i < step ? "done" : i === step ? "now" : "";
    if (i === step) li.setAttribute("aria-current", "step"); else li.removeAttribute("aria-current");
  });

  // queue
  $("#queue-card").hidden = c.status !== "queued";
  clearInterval(queueTimer);
  if (c.status === "queued") {
    const q = detail.queue;
    $("#q-position").textContent = q ? `第${q.position}位` : "—";
    $("#q-eta").textContent = q && q.estimated_wait_seconds !== null ? fmtDuration(q.estimated_wait_seconds) : "暂无";
    const since = new Date(q?.reported_at || c.reported_at).getTime();
    const tick = () => { $("#q-waited").textContent = fmtDuration((Date.now() - since) / 1000); };
    tick();
    queueTimer = setInterval(tick, 1000);
  }

  // video
  const inVideo = VIDEO.includes(c.status);
  $("#call-card").hidden = !inVideo;
  if (inVideo) ensureCall(c.case_number);
  else leaveCall({ release: true });

  $("#leave-card").hidden = c.status !== "awaiting_decision";
  $("#cancel-card").hidden = !inVideo;

  // notice
  const notice = [...c.notices].reverse().find((n) => n.kind === "determination");
  const revocation = [...c.notices].reverse().find((n) => n.kind === "revocation");
  $("#notice-card").hidden = !notice;
  if (notice) {
    const liability = LIABILITY_ZH;
    $("#notice-facts").replaceChildren(
      h("dt", {}, "文书编号"), h("dd", { class: "mono" }, notice.notice_number),
      h("dt", {}, "出具时间"), h("dd", {}, fmtDateTime(notice.issued_at)),
      h("dt", {}, "本人责任"), h("dd", {}, liability[me.liability] || "—"),
      ...(revocation ? [h("dt", {}, "说明"), h("dd", {}, `经复核重新认定，原认定书 ${revocation.revokes_notice_number} 已撤销（撤销决定 ${revocation.notice_number}），以本认定书为准`)] : []),
    );
    const served = me.served_at && notice.issued_at && new Date(me.served_at) >= new Date(notice.issued_at);
    // the status is the case's: a party who confirmed is told what it waits for
    if (served && c.status === "notice_sent") $("#next-action").textContent = "您已确认收到认定书，等待其他当事人确认收到。";
    $("#receipt-box").hidden = Boolean(served) || !noticeUrl;
    $("#served-at").hidden = !served;
    if (served) $("#served-at").textContent = `已于 ${fmtDateTime(me.served_at)} 确认收到（送达）。`;
    $("#open-notice").dataset.notice = notice.notice_number;
  }

  // review
  // a deadline whose year has no holiday arrangement yet is pending: the window is still open
  const windowOpen = me.review_deadline_pending || (me.review_deadline && new Date(me.review_deadline) > new Date());
  const canReview = c.status === "served" && me.served_at && windowOpen && !c.review_requested_by && c.notices.filter((n) => n.kind === "determination").length === 1;
  $("#review-card").hidden = !canReview;
  if (canReview) {
    $("#review-deadline").textContent = me.review_deadline
      ? fmtDeadline(me.review_deadline) : "第三个工作日结束（具体日期待节假日安排公布后确定）";
  }
  const reviewState = $("#review-state");
  reviewState.hidden = !c.review_requested_by;
  if (c.review_requested_by) {
    const outcome = { uphold: "复核结论：维持原认定。", redetermine: "复核结论：撤销原认定，已重新认定。" }[c.review_outcome] || "复核申请已受理，复核结论将在30日内作出。";
    reviewState.replaceChildren(`${c.review_requested_by === detail.me ? "您" : "其他当事人"}已申请复核。${outcome}`);
    const written = [...c.notices].reverse().find((n) => n.kind === "review_conclusion");
    if (written) {
      const opened = conclusionLinks.get(written.notice_number);
      reviewState.append(h("div", { class: "row gap-top" }, opened ? conclusionLink(written.notice_number, opened) : h("button", {
        type: "button", class: "grow", id: "open-conclusion", "data-notice": written.notice_number,
      }, `查看复核结论书（${written.notice_number}）`)));
    }
  }

  // claim
  const claimable = me.served_at && ["served", "under_review", "awaiting_redetermination", "closed"].includes(c.status);
  $("#claim-card").hidden = !claimable && !me.claim;
  if (me.claim) showClaim(me.claim);

  // ended
  const final = $("#final-card");
  final.hidden = !ENDED.includes(c.status);
  if (ENDED.includes(c.status)) {
    final.className = `card notice ${c.status === "closed" ? "ok" : "warn"}`;
    const reasons = (c.refusals || []).map((r) => h("li", {}, r.reason, r.advice ? h("div", { class: "small" }, r.advice) : null));
    final.replaceChildren(h("h2", {}, STATUS_ZH[c.status]), h("p", {}, c.next_action), ...(reasons.length ? [h("ul", {}, ...reasons)] : []));
  }
}

function showClaim(result) {
  $("#claim").hidden = true;
  $("#claim-result").replaceChildren(result.filed
    ? h("div", { class: "notice ok" }, h("strong", {}, `已向${result.insurer_name}报案`), h("div", {}, "报案号：", h("span", { class: "mono" }, result.claim_number)), h("div", { class: "small" }, "保险公司将与您联系定损。"))
    : h("div", { class: "notice info" }, h("strong", {}, `${result.insurer_name || "您的保险公司"}暂未接入一键报案`), h("div", {}, result.guidance)));
}

$("#open-notice").addEventListener("click", async () => {
  const number = current.case.case_number;
  try {
    const blob = await api(`/citizen/cases/${number}/notice`, { auth: token() });
    if (noticeUrl) URL.revokeObjectURL(noticeUrl);
    noticeUrl = URL.createObjectURL(new Blob([blob], { type: "application/pdf" }));
    const link = $("#notice-link");
    link.href = noticeUrl;
    link.download = `${$("#open-notice").dataset.notice}.pdf`;
    link.hidden = false;
    link.className = "btn block";
    link.textContent = `打开认定书 PDF（${Math.max(1, Math.round(blob.size / 1024))} KB）`;
    link.focus();
    render(current);
  } catch (err) { globalProblem(err); }
});

// the written review conclusion (道路交通事故认定复核结论): fetched with the token, opened as a PDF
$("#review-state").addEventListener("click", async (e) => {
  const button = e.target.closest("#open-conclusion");
  if (!button) return;
  try {
    const number = current.case.case_number;
    const path = `/citizen/cases/${number}/notice?notice_number=${encodeURIComponent(button.dataset.notice)}`;
    const blob = await api(path, { auth: token() });
    const opened = { url: URL.createObjectURL(new Blob([blob], { type: "application/pdf" })), size: blob.size };
    conclusionLinks.set(button.dataset.notice, opened);
    // kept and rendered from state: the page may have re-rendered (a pushed update) meanwhile
    render(current);
    $("#conclusion-link")?.focus();
  } catch (err) { globalProblem(err); }
});

function conclusionLink(notice, opened) {
  return h("a", { class: "btn block", id: "conclusion-link", href: opened.url, target: "_blank", rel: "noopener", download: `${notice}.pdf` },
    `打开复核结论书 PDF（${Math.max(1, Math.round(opened.size / 1024))} KB）`);
}

$("#confirm-receipt").addEventListener("click", async () => {
  try {
    await api(`/citizen/cases/${current.case.case_number}/receipt`, { method: "POST", auth: token() });
    toast("已确认收到认定书");
    await refresh(current.case.case_number);
  } catch (err) { globalProblem(err); }
});

$("#review-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = e.target;
  clearErrors(form);
  try {
    await api(`/citizen/cases/${current.case.case_number}/review`, { method: "POST", auth: token(), body: { reason_code: $("#review-reason").value, text: $("#review-text").value.trim() } });
    toast("复核申请已提交");
    await refresh(current.case.case_number);
  } catch (err) { showErrors(form, err, (f) => f.replace(/^body\./, "")); }
});

$("#claim").addEventListener("click", async () => {
  const button = $("#claim");
  button.disabled = true;
  try {
    showClaim(await api(`/citizen/cases/${current.case.case_number}/claim`, { method: "POST", auth: token() }));
  } catch (err) {
    $("#claim-result").replaceChildren(h("div", { class: "notice bad", role: "alert" }, err.detail));
  } finally { button.disabled = false; }
});

$("#cancel").addEventListener("click", async () => {
  try {
    await api(`/citizen/cases/${current.case.case_number}/cancel`, { method: "POST", auth: token(), body: { reason: $("#cancel-reason").value } });
    leaveCall({ release: true });
    await refresh(current.case.case_number);
  } catch (err) { globalProblem(err); }
});

$("#back-home").addEventListener("click", () => { leaveCall({ release: true }); location.hash = ""; route(); });

// ------------------------------------------------------------------ video

function ensureCall(number) {
  if (call && call.caseNumber === number) return; // joined, or waiting for 继续处理 after a drop
  call = new VideoCall({ role: "citizen" });
  call.caseNumber = number;
  window.kcCall = call;
  call.addEventListener("local", (e) => play($("#self-video"), e.detail.stream, { muted: true }));
  call.addEventListener("track", (e) => {
    if (e.detail.role !== "seat") return;
    play($("#seat-video"), e.detail.stream);
    $("#seat-placeholder").hidden = true;
  });
  call.addEventListener("peer-left", (e) => {
    if (!e.detail.id?.includes("-seat-")) return;
    $("#seat-video").srcObject = null;
    $("#seat-placeholder").hidden = false;
    $("#seat-placeholder").textContent = "坐席民警暂时离开视频，请稍候…";
  });
  call.addEventListener("state", (e) => {
    const s = e.detail.state;
    $("#dropped").hidden = !["dropped", "left"].includes(s);
    $("#call-state").textContent = { connecting: "正在连接…", joined: "已连接视频服务", dropped: "连接已中断", left: "您已挂断", replaced: "已在其他页面继续视频", over: "视频取证已结束" }[s] || "";
    if (s === "dropped" || s === "left") {
      $("#seat-video").srcObject = null;
      $("#seat-placeholder").hidden = false;
      $("#seat-placeholder").textContent = s === "left" ? "您已挂断视频" : "视频已中断";
      $("#resume").focus();
    }
    if (s === "joined") $("#seat-placeholder").textContent = "等待坐席民警接入视频…";
  });
  joinWithToken(number, true);
}

async function joinWithToken(number, first) {
  let access = null;
  if (first) {
    try { access = JSON.parse(sessionStorage.getItem(`kuaichu.video.${number}`) || "null"); } catch { access = null; }
    sessionStorage.removeItem(`kuaichu.video.${number}`);
  }
  try {
    if (!access || new Date(access.expires_at) <= new Date()) {
      access = await api(`/citizen/cases/${number}/video-token`, { method: "POST", auth: token() });
    }
    await call.join(access);
  } catch (err) {
    $("#call-state").textContent = err.detail || "无法连接视频，请点击“继续处理”重试";
    $("#dropped").hidden = false;
  }
}

function leaveCall(opts = {}) {
  if (!call) return;
  call.leave(opts);
  call = null;
}

$("#resume").addEventListener("click", () => { if (call) joinWithToken(call.caseNumber, false); });
$("#hangup").addEventListener("click", () => { call?.leave(); });
$("#mute").addEventListener("click", (e) => {
  if (!call) return;
  const muted = !call.muted;
  call.setMuted(muted);
  e.target.setAttribute("aria-pressed", String(muted));
  e.target.textContent = muted ? "取消静音" : "静音";
});
$("#switch-camera").addEventListener("click", async () => {
  if (!call) return;
  try {
    const r = await call.switchCamera();
    toast(r.cameras > 1 ? `已切换到${r.facing === "environment" ? "后置" : "前置"}摄像头` : "已切换摄像头方向");
  } catch { toast("本设备无法切换摄像头"); }
});

// ------------------------------------------------------------------ routing

async function route() {
  const hash = location.hash;
  if (linkToken && !token()) return showAlert();
  if (!token()) return show("login");
  const m = hash.match(/^#case\/([A-Z]{2}\d{8}-\d{6}(?:-\d+)?)$/);
  if (m) return showCase(m[1]);
  if (stopEvents) { stopEvents(); stopEvents = null; }
  if (hash === "#alert" || linkToken) return showAlert();
  return showHome();
}

window.addEventListener("hashchange", route);
api("/app/config").then((c) => { config = c; }).catch(() => {}).finally(() => {
  if (!linkToken && !token()) $("#login-phone").focus();
  route();
});
