// The reviewer console: reviews waiting, the applicant's reason, the notice under review and the
// evidence; each reviewer records their own concurrence with their own login, one concludes.
import { $, STATUS_ZH, api, clearErrors, fmtDateTime, fmtDeadline, h, showErrors, toast } from "/web/shared/kc.js";
import {
  atField, evidenceGallery, fieldOf, globalProblem, liveList, noticeLinks, partiesTable, releaseUrls, staffLogin, verificationTable,
} from "/web/shared/staff.js";

const REASON_ZH = {
  FACTS_DISPUTED: "事故事实认定有误", LIABILITY_DISPUTED: "责任划分不当", EVIDENCE_DISPUTED: "证据不足或有误", PROCEDURE_DISPUTED: "处理程序不当",
};
// refusals of the review guards (workflows/guards.py) that name no field
const FIELD_OF_CODE = {
  REASON_REQUIRED: "reason", TOO_FEW_REVIEWERS: "reviewers", CO_REVIEWER_NOT_CONCURRED: "reviewers", REVIEWER_NOT_INDEPENDENT: "reviewers",
};
const OUTCOME_ZH = { uphold: "维持原认定", redetermine: "撤销原认定，重新认定" };
let current = null;

let stopLive = null;
const token = staffLogin("reviewer", (tok) => {
  stopLive?.();  // the list is pushed: a review request appears without a reload
  stopLive = liveList("/reviewer/reviews/events", "reviews", renderCases, tok, "新复核申请");
});

async function loadCases() {
  renderCases(await api("/reviewer/reviews", { auth: token() }));
}

function renderCases(list) {
  const box = $("#cases");
  if (!list.length) { box.replaceChildren(h("li", { class: "empty" }, "暂无待复核案件")); return; }
  box.replaceChildren(...list.map((c) => h("li", {}, h("button", {
    type: "button", "data-case": c.case_number, "aria-current": current === c.case_number ? "true" : false, onclick: () => openCase(c.case_number).catch(globalProblem),
  }, h("div", { class: "mono" }, c.case_number), h("div", { class: "small muted" }, `${c.district || ""} ${c.address || ""}`),
  c.next_deadline ? h("div", { class: "small muted" }, `期限 ${fmtDeadline(c.next_deadline)}`) : null))));
}

/** "P2 李示例" (the review names the party; the reviewer sees them in full while it runs). */
function applicant(partyId, parties) {
  const p = parties.find((x) => x.party_id === partyId);
  return partyId ? [partyId, p?.name, p?.plate].filter(Boolean).join(" ") : "—";
}

async function openCase(number) {
  globalProblem(null);
  releaseUrls();
  current = number;
  const [detail, review] = await Promise.all([
    api(`/reviewer/cases/${number}`, { auth: token() }),
    api(`/reviewer/cases/${number}/review`, { auth: token() }),
  ]);
  const c = detail.case;
  $("#no-case").hidden = true;
  $("#case-pane").hidden = false;
  $("#side").hidden = c.status !== "under_review";
  $("#view-desk").classList.toggle("two", $("#side").hidden);
  $("#case-number").textContent = number;
  $("#case-status").textContent = STATUS_ZH[c.status] || c.status;
  $("#case-meta").textContent = `报警时间 ${fmtDateTime(c.reported_at)} · ${c.district || ""} · 原认定民警 ${c.officer_id || "—"}`;
  $("#review-kv").replaceChildren(
    h("dt", {}, "申请人"), h("dd", {}, applicant(review.requested_by, detail.parties)),
    h("dt", {}, "申请理由"), h("dd", { id: "review-reason" }, REASON_ZH[review.reason_code] || review.reason_code || "—"),
    ...(review.outcome ? [h("dt", {}, "复核结论"), h("dd", {}, OUTCOME_ZH[review.outcome] || review.outcome)] : []));
  $("#review-text").textContent = review.text || "（申请人未填写具体说明）";
  $("#parties").replaceChildren(partiesTable(detail.parties));
  noticeLinks($("#notices"), "reviewer", number, c.notices, token());
  for (const f of ["#concur-form", "#conclusion-form"]) clearErrors($(f));
  document.querySelectorAll("#cases button").forEach((b) => b.setAttribute("aria-current", String(b.dataset.case === number)));
  const [rows] = await Promise.all([
    api(`/reviewer/cases/${number}/verification`, { auth: token() }),
    evidenceGallery($("#evidence"), "reviewer", number, token()),
  ]);
  $("#verification-box").replaceChildren(verificationTable(rows));
}

// how this reviewer signs the written conclusion (the co-reviewers sign with their concurrence)
const signer = () => ({ name: $("#r-name").value.trim(), badge_number: $("#r-badge").value.trim() });

$("#concur-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  clearErrors(e.target);
  const outcome = $("input[name=concur]:checked").value;
  try {
    await api(`/reviewer/cases/${current}/concurrence`, { method: "POST", auth: token(), body: { outcome, ...signer() } });
    $("#concur-state").textContent = `已记录本人意见：${OUTCOME_ZH[outcome]}`;
  } catch (err) { showErrors(e.target, err, fieldOf); }
});

$("#conclusion-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  clearErrors(e.target);
  const body = {
    outcome: $("input[name=outcome]:checked").value,
    reviewers: $("#k-reviewers").value.split(/[,，\s]+/).map((s) => s.trim()).filter(Boolean),
    reason: $("#k-reason").value.trim(),
    ...signer(),
  };
  try {
    const view = await api(`/reviewer/cases/${current}/conclusion`, { method: "POST", auth: token(), body });
    $("#conclusion-state").textContent = `复核结论已作出：${OUTCOME_ZH[body.outcome]}（案件状态：${STATUS_ZH[view.status] || view.status}）。理由：${body.reason}`;
    toast("复核结论已作出");
    $("#side").hidden = true;
    $("#view-desk").classList.add("two");
    $("#case-status").textContent = STATUS_ZH[view.status] || view.status;
    const done = h("div", { class: "notice ok", role: "status", id: "concluded" }, $("#conclusion-state").textContent);
    $("#case-pane").prepend(done);
    await loadCases();
  } catch (err) { showErrors(e.target, atField(err, FIELD_OF_CODE), fieldOf); }
});
