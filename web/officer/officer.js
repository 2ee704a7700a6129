// The officer console: cases awaiting a decision or a new determination, the case (parties in full,
// registry results, the evidence photos and the call recording), the decision form whose refusals
// are shown at their field, the issued notice and service by other means.
import { $, STATUS_ZH, api, clearErrors, fmtDateTime, fmtDeadline, h, showErrors, toast } from "/web/shared/kc.js";
import {
  LIABILITY_ZH, evidenceGallery, fieldOf, globalProblem, liveList, noticeLinks, partiesTable, releaseUrls, staffLogin,
  verificationTable,
} from "/web/shared/staff.js";

let token = () => null;
let codes = null;
let current = null; // the CaseDetail on screen
let stopLive = null;
const kcOfficer = (window.kcOfficer = {});

token = staffLogin("officer", async (tok) => {
  try {
    codes = codes || (await api("/officer/notice-codes", { auth: token() }));
    fillCodeLists();
    stopLive?.();  // the list is pushed: a case awaiting decision appears without a reload
    stopLive = liveList("/officer/cases/events", "cases", renderCases, tok, "新案件待认定");
  } catch (err) { globalProblem(err); }
});

function fillCodeLists() {
  const form = $("#d-form");
  if (form.options.length) return;
  form.append(h("option", { value: "" }, "请选择事故形态"), ...codes.accident_forms.map((c) => h("option", { value: c.code }, `${c.code} ${c.name}`)));
}

async function loadCases() {
  renderCases(await api("/officer/cases", { auth: token() }));
}

function renderCases(list) {
  const box = $("#cases");
  if (!list.length) { box.replaceChildren(h("li", { class: "empty" }, "暂无待认定案件")); return; }
  box.replaceChildren(...list.map((c) => h("li", {}, h("button", {
    type: "button", "data-case": c.case_number, "aria-current": current?.case.case_number === c.case_number ? "true" : false,
    onclick: () => openCase(c.case_number),
  }, h("div", { class: "mono" }, c.case_number),
  h("div", { class: "small" }, h("span", { class: `badge ${c.status === "awaiting_redetermination" ? "warn" : ""}` }, STATUS_ZH[c.status] || c.status)),
  h("div", { class: "small muted" }, `${c.district || ""} ${c.address || ""}`),
  c.next_deadline ? h("div", { class: "small muted" }, `期限 ${fmtDeadline(c.next_deadline)}`) : null))));
}

async function openCase(number) {
  globalProblem(null);
  releaseUrls();
  const detail = await api(`/officer/cases/${number}`, { auth: token() });
  current = kcOfficer.detail = detail;
  const c = detail.case;
  $("#no-case").hidden = true;
  $("#case-pane").hidden = false;
  $("#side").hidden = !["awaiting_decision", "awaiting_redetermination"].includes(c.status);
  $("#view-desk").classList.toggle("two", $("#side").hidden);
  $("#case-number").textContent = number;
  $("#case-status").textContent = STATUS_ZH[c.status] || c.status;
  $("#case-meta").textContent = `事故时间 ${fmtDateTime(c.accident_time || c.reported_at)} · 报警时间 ${fmtDateTime(c.reported_at)} · ${c.district || ""} · 坐席 ${c.seat_id || "—"}`;
  const named = (list, code) => (list || []).find((x) => x.code === code)?.name;
  $("#d-weather").textContent = c.weather
    ? `天气 ${named(codes?.weather, c.weather) || c.weather} · 路面 ${named(codes?.road_surfaces, c.road_surface) || "未记录"}`
    : "天气尚未记录：请联系取证坐席在案件中记录后再作认定";
  const redo = c.status === "awaiting_redetermination";
  $("#redetermine-note").hidden = !redo;
  $("#redetermine-note").textContent = redo ? "复核决定撤销原认定、重新认定：请根据复核意见重新作出认定，新认定书将撤销原认定书。" : "";
  $("#parties").replaceChildren(partiesTable(detail.parties));
  renderDecisionFields(detail.parties);
  clearErrors($("#decision-form"));
  $("#decision-state").textContent = "";
  renderNotices(c);
  document.querySelectorAll("#cases button").forEach((b) => b.setAttribute("aria-current", String(b.dataset.case === number)));
  const [rows] = await Promise.all([
    api(`/officer/cases/${number}/verification`, { auth: token() }),
    evidenceGallery($("#evidence"), "officer", number, token()),
  ]);
  $("#verification-box").replaceChildren(verificationTable(rows));
}

// a decided case is no longer listed: the officer opens it by number (service by other means)
$("#find-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  clearErrors(e.target);
  const number = encodeURIComponent($("#find-number").value.trim().toUpperCase()); // the API judges it
  try { await openCase(number); } catch (err) {
    // a malformed number (422) or none such (404): the API's reason, at the field
    err.errors = (err.errors?.length ? err.errors : [{ message: err.detail }]).map((x) => ({ ...x, field: "case_number" }));
    showErrors(e.target, err, fieldOf);
  }
});

function renderDecisionFields(parties) {
  const choices = Object.entries(LIABILITY_ZH);
  $("#liab-fields").replaceChildren(...parties.flatMap((p, i) => [
    h("label", { for: `d-liab-${p.party_id}` }, `${codes.party_labels[i]}方 ${p.party_id} ${p.name} ${p.plate || ""}`),
    h("select", { id: `d-liab-${p.party_id}`, "data-party": p.party_id },
      h("option", { value: "" }, "请选择"), ...choices.map(([v, t]) => h("option", { value: v, selected: p.liability === v }, t))),
  ]));
  $("#impact-fields").replaceChildren(...parties.flatMap((p, i) => [
    h("label", { for: `d-impact-${p.party_id}` }, `${codes.party_labels[i]}${p.plate ? "车" : ""}`),
    h("select", { id: `d-impact-${p.party_id}`, "data-party": p.party_id },
      h("option", { value: "" }, "未记录"), ...codes.impact_parts.map((c) => h("option", { value: `${p.party_id}:${c.code}` }, c.name))),
  ]));
}

document.querySelectorAll("input[name=med]").forEach((r) => r.addEventListener("change", () => {
  const agreed = $("input[name=med]:checked").value === "agreed";
  $("#med-agreed").hidden = !agreed;
  $("#med-none").hidden = agreed;
}));

function decisionBody() {
  const agreed = $("input[name=med]:checked").value === "agreed";
  return {
    officer_name: $("#d-name").value.trim(),
    badge_number: $("#d-badge").value.trim(),
    unit: $("#d-unit").value.trim(),
    liabilities: Object.fromEntries([...document.querySelectorAll("#liab-fields select")].filter((s) => s.value).map((s) => [s.dataset.party, s.value])),
    traffic_accident: $("#d-traffic").checked,
    facts: $("#d-facts").value.trim(),
    accident_form: $("#d-form").value,
    impact_points: [...document.querySelectorAll("#impact-fields select")].map((s) => s.value).filter(Boolean),
    legal_basis: $("#d-basis").value.trim(),
    mediation_result: agreed ? $("#d-med").value.trim() : "",
    no_mediation_reason: agreed ? "" : $("#d-nomed").value,
  };
}

$("#decision-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = e.target;
  clearErrors(form);
  const number = current.case.case_number;
  const button = $("#decide");
  button.disabled = true;
  $("#decision-state").textContent = "正在提交认定并出具认定书…";
  try {
    await api(`/officer/cases/${number}/decision`, { method: "POST", body: decisionBody(), auth: token() });
    $("#decision-state").textContent = "";
    toast("认定书已出具并发送当事人");
    await openCase(number);
    await loadCases();
    $("#notices").scrollIntoView({ block: "center" });
  } catch (err) {
    $("#decision-state").textContent = "";
    showErrors(form, err, fieldOf);
  } finally { button.disabled = false; }
});

$("#correction-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = e.target;
  clearErrors(form);
  const body = { address: $("#cx-address").value.trim(), description: $("#cx-account").value.trim(), reason: $("#cx-reason").value.trim() };
  try {
    await api(`/officer/cases/${current.case.case_number}/correction`, { method: "POST", auth: token(), body });
    toast("更正已记录");
    await openCase(current.case.case_number);
  } catch (err) { showErrors(form, err, fieldOf); }
});

// ------------------------------------------------------------------ the notice and its service

function renderNotices(c) {
  noticeLinks($("#notices"), "officer", c.case_number, c.notices, token());
  // the names as the officer sees them in the parties table (the case view masks them)
  const name = (p) => current.parties.find((d) => d.party_id === p.party_id)?.name || p.name;
  const served = c.parties.map((p) => h("li", {}, `${p.party_id} ${name(p)}：`, p.served_at ? `已送达 ${fmtDateTime(p.served_at)}` : "未送达",
    p.review_deadline ? ` · 复核申请期限 ${fmtDeadline(p.review_deadline)}`
      : p.review_deadline_pending ? " · 复核申请期限待定（该年节假日安排未载入）" : ""));
  if (c.notices.length) $("#notices").append(h("ul", { class: "small", id: "served" }, ...served));
  const form = $("#service-form");
  const open = c.parties.filter((p) => !p.served_at);
  form.hidden = !c.notices.length || !open.length || !["notice_sent", "served"].includes(c.status);
  $("#sv-party").replaceChildren(...open.map((p) => h("option", { value: p.party_id }, `${p.party_id} ${name(p)}`)));
  const now = new Date(Date.now() - new Date().getTimezoneOffset() * 60000);
  $("#sv-at").value = now.toISOString().slice(0, 16);
}

$("#service-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = e.target;
  clearErrors(form);
  const at = $("#sv-at").value;
  try {
    await api(`/officer/cases/${current.case.case_number}/service`, {
      method: "POST", auth: token(),
      body: { party_id: $("#sv-party").value, method: $("#sv-method").value, served_at: at ? new Date(at).toISOString() : "" },
    });
    toast("送达已记录");
    await openCase(current.case.case_number);
  } catch (err) { showErrors(form, err, fieldOf); }
});
